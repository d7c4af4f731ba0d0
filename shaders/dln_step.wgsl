// Full-batch gradient-descent steps of a small deep linear network, all in one workgroup, many steps per dispatch.
// A network this small is bound by the ~25 us each dispatch costs, not by its FLOPs: one workgroup doing a
// whole step (forward, MSE gradient, backward, SGD update), with barriers between its phases, replaces the
// dozens of dispatches of the general path. Same maths as the tape and shaders/optim.wgsl:
//   Z_{l+1} = Z_l W_l^T;  G_L = 2 alpha / N (alpha Z_L - Y);  G_l = G_{l+1} W_l;  dW_l = G_{l+1}^T Z_l;
//   coupled:   g = dW + weightDecay w;               v = momentum v + g;  w = w - lr v
//   DECOUPLED: w = w (1 - lr weightDecay);  g = dW;  v = momentum v + g;  w = w - lr v
// Each G_l is taken before W_l is updated, so every gradient comes from the step's starting weights.
//
// Everything lives in one buffer `work` of vec4s, every matrix row-major with its rows and columns padded with
// zeros to multiples of 8; engine/fused-step.ts (layoutOf) places the regions and packs and unpacks them. Zeros
// stay zeros under every update. Each product's output is shared out in 8 x 8 tiles, one per quad (four
// invocations): the lane at (a, b) of its quad, a and b being bits 0 and 1 of its place, computes the 4 x 4
// block at rows 4a and columns 4b of the tile. The two lanes that need the same four vec4 rows of an operand load
// two each and trade them: 4 vec4 loads for 64 multiply-adds, half what a lane computing its block alone loads,
// and on a CPU-like device the loads are what a step costs. This file is not a shader by itself: the trades,
// tradeA and tradeB, come from dln_step_quads.wgsl (quad swaps) or dln_step_shared.wgsl (workgroup memory).
//! include weight_decay.wgsl

struct Params {
  steps: u32,
  alpha: f32,
  momentum: f32,
  weightDecay: f32,
}

struct Regions {
  inputVec4s: u32,    // a padded row's length in vec4s: of the data, of a hidden layer, of the output
  widthVec4s: u32,
  classVec4s: u32,
  rows: u32,          // the samples, padded
  firstWeight: u32,   // W_1's size; W_l (l > 1) starts at firstWeight + (l - 2) hiddenWeight
  hiddenWeight: u32,
  parameters: u32,    // all weights' size: the velocities follow them, in the same layout
  features0: u32,     // Z_0, the data
  features1: u32,     // Z_1; Z_l (l > 1) starts at features1 + (l - 1) featureSize
  featureSize: u32,
  targets: u32,
  gradients: u32,     // slot s starts at gradients + s gradientSize
  gradientSize: u32,
}

override SAMPLES: u32;
override DEPTH: u32;
override WORKGROUP_SIZE: u32;  // a multiple of 4: quad q is invocations 4q .. 4q+3, as on every device we know
override QUADS: u32 = WORKGROUP_SIZE / 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> learningRates: array<f32>; // one per step of this dispatch
@group(0) @binding(2) var<storage, read_write> work: array<vec4f>;
@group(0) @binding(3) var<uniform> regions: Regions;

fn inVec4s(l: u32) -> u32 { return select(regions.widthVec4s, regions.inputVec4s, l == 0u); }
fn outVec4s(l: u32) -> u32 { return select(regions.widthVec4s, regions.classVec4s, l == DEPTH - 1u); }
fn weightOffset(l: u32) -> u32 { return select(regions.firstWeight + (l - 1u) * regions.hiddenWeight, 0u, l == 0u); }
fn velocityOffset(l: u32) -> u32 { return regions.parameters + weightOffset(l); }
fn featureOffset(l: u32) -> u32 { return select(regions.features1 + (l - 1u) * regions.featureSize, regions.features0, l == 0u); }
fn gradientOffset(slot: u32) -> u32 { return regions.gradients + slot * regions.gradientSize; }

// An invocation's index in the workgroup, its quad, and its place (a, b) in it: tradeA gets a value from the lane
// of the other a, tradeB from the lane of the other b.
struct Lane { index: u32, quad: u32, a: u32, b: u32 }

// Rows 0 .. 3 of a block two lanes share: this lane loaded rows 2 half and 2 half + 1, its partner the other two.
fn joined(own0: vec4f, own1: vec4f, other0: vec4f, other1: vec4f, half: u32) -> mat4x4f {
  let first = half == 0u;
  return mat4x4f(select(other0, own0, first), select(other1, own1, first), select(own0, other0, first), select(own1, other1, first));
}

fn sharedWithA(own0: vec4f, own1: vec4f, lane: Lane) -> mat4x4f { return joined(own0, own1, tradeA(own0, lane), tradeA(own1, lane), lane.a); }
fn sharedWithB(own0: vec4f, own1: vec4f, lane: Lane) -> mat4x4f { return joined(own0, own1, tradeB(own0, lane), tradeB(own1, lane), lane.b); }

// The lane's block of tile `tile` of an output `columnTiles` tiles wide: its first row, and its column in vec4s.
fn blockOrigin(tile: u32, columnTiles: u32, lane: Lane) -> vec2u {
  return vec2u(8u * (tile / columnTiles) + 4u * lane.a, 2u * (tile % columnTiles) + lane.b);
}

// A block's four rows (the columns of `rows`) to consecutive rows of a matrix `rowLength` vec4s wide.
fn storeRows(destination: u32, rowLength: u32, rows: mat4x4f) {
  for (var r = 0u; r < 4u; r++) {
    work[destination + r * rowLength] = rows[r];
  }
}

// Every quad runs every round of a product's tiles, as its trades need the whole quad (and the barriers of
// dln_step_shared.wgsl the whole workgroup): a quad past the last tile computes that one again and stores nothing.
fn roundTile(first: u32, tiles: u32, lane: Lane) -> u32 { return min(first + lane.quad, tiles - 1u); }
fn stores(first: u32, tiles: u32, lane: Lane) -> bool { return first + lane.quad < tiles; }

// Z_{l+1} = Z_l W_l^T: entry (i, j) is dot(row i of Z_l, row j of W_l), four of each at a time.
fn forward(l: u32, lane: Lane) {
  let inLength = inVec4s(l);
  let outLength = outVec4s(l);
  let tiles = regions.rows / 8u * (outLength / 2u);
  for (var first = 0u; first < tiles; first += QUADS) {
    let origin = blockOrigin(roundTile(first, tiles, lane), outLength / 2u, lane);
    let z = featureOffset(l) + (origin.x + 2u * lane.b) * inLength;        // Z's rows: shared with the other b
    let w = weightOffset(l) + (4u * origin.y + 2u * lane.a) * inLength;    // W's rows: shared with the other a
    var acc = mat4x4f();
    for (var t = 0u; t < inLength; t++) {
      let zRows = sharedWithB(work[z + t], work[z + inLength + t], lane);
      let wRows = sharedWithA(work[w + t], work[w + inLength + t], lane);
      acc += transpose(wRows) * zRows; // column r: the dots of Z's row r with the four rows of W
    }
    if (stores(first, tiles, lane)) {
      storeRows(featureOffset(l + 1u) + origin.x * outLength + origin.y, outLength, acc);
    }
  }
}

// G_l = G_{l+1} W_l (samples x fanIn): row i is the sum over j of G[i, j] times row j of W_l.
fn backward(l: u32, upstream: u32, downstream: u32, lane: Lane) {
  let inLength = inVec4s(l);
  let outLength = outVec4s(l);
  let tiles = regions.rows / 8u * (inLength / 2u);
  for (var first = 0u; first < tiles; first += QUADS) {
    let origin = blockOrigin(roundTile(first, tiles, lane), inLength / 2u, lane);
    let g = upstream + (origin.x + 2u * lane.b) * outLength;               // G's rows: shared with the other b
    let w = weightOffset(l) + 2u * lane.a * inLength + origin.y;          // W's rows 4j + 2a, + 1: shared with the other a
    var acc = mat4x4f();
    for (var j = 0u; j < outLength; j++) {
      let gRows = sharedWithB(work[g + j], work[g + outLength + j], lane);
      let wj = w + 4u * j * inLength;
      let wRows = sharedWithA(work[wj], work[wj + inLength], lane);
      acc += wRows * gRows; // column r: G[r, 4j..4j+3] weighting W's rows 4j..4j+3
    }
    if (stores(first, tiles, lane)) {
      storeRows(downstream + origin.x * inLength + origin.y, inLength, acc);
    }
  }
}

// dW_l = G^T Z_l (fanOut x fanIn): row j is the sum over samples i of G[i, j] times row i of Z_l; applied to
// W_l and its velocity as it is computed. Two samples a round: the lane loads G's row i + b (shared with the
// other b) and Z's row i + a (shared with the other a), and pairs each with the other's row of the same sample.
fn update(l: u32, gradient: u32, learningRate: f32, lane: Lane) {
  let inLength = inVec4s(l);
  let outLength = outVec4s(l);
  let tiles = outLength / 2u * (inLength / 2u);
  for (var first = 0u; first < tiles; first += QUADS) {
    let origin = blockOrigin(roundTile(first, tiles, lane), inLength / 2u, lane);
    let g = gradient + lane.b * outLength + origin.x / 4u;
    let z = featureOffset(l) + lane.a * inLength + origin.y;
    let sameSample = lane.a == lane.b;
    var dW = mat4x4f();
    for (var i = 0u; i < regions.rows; i += 2u) {
      let g0 = work[g + i * outLength];
      let z0 = work[z + i * inLength];
      let g1 = tradeB(g0, lane);
      let z1 = tradeA(z0, lane);
      let zOfG0 = select(z1, z0, sameSample);
      let zOfG1 = select(z0, z1, sameSample);
      dW = mat4x4f(fma(vec4f(g0.x), zOfG0, fma(vec4f(g1.x), zOfG1, dW[0])), fma(vec4f(g0.y), zOfG0, fma(vec4f(g1.y), zOfG1, dW[1])),
                   fma(vec4f(g0.z), zOfG0, fma(vec4f(g1.z), zOfG1, dW[2])), fma(vec4f(g0.w), zOfG0, fma(vec4f(g1.w), zOfG1, dW[3])));
    }
    if (stores(first, tiles, lane)) {
      for (var r = 0u; r < 4u; r++) {
        let index = (origin.x + r) * inLength + origin.y;
        let decayed = decay4(work[weightOffset(l) + index], dW[r], learningRate, params.weightDecay);
        let w = decayed[0];
        let v = fma(vec4f(params.momentum), work[velocityOffset(l) + index], decayed[1]);
        work[velocityOffset(l) + index] = v;
        work[weightOffset(l) + index] = w - learningRate * v;
      }
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) index: u32) {
  let lane = Lane(index, index / 4u, index & 1u, (index >> 1u) & 1u);
  let outputs = regions.rows * regions.classVec4s;
  let scale = 2.0 * params.alpha / f32(SAMPLES);
  for (var s = 0u; s < params.steps; s++) {
    let learningRate = learningRates[s];
    for (var l = 0u; l < DEPTH; l++) {
      forward(l, lane);
      storageBarrier();
    }
    for (var i = index; i < outputs; i += WORKGROUP_SIZE) {
      work[gradientOffset(0u) + i] = scale * (params.alpha * work[featureOffset(DEPTH) + i] - work[regions.targets + i]);
    }
    storageBarrier();
    var slot = 0u;
    for (var back = 0u; back < DEPTH; back++) {
      let l = DEPTH - 1u - back;
      if (l > 0u) {
        backward(l, gradientOffset(slot), gradientOffset(1u - slot), lane); // from W_l before its update
      }
      storageBarrier();
      update(l, gradientOffset(slot), learningRate, lane);
      storageBarrier();
      slot = 1u - slot;
    }
  }
}
