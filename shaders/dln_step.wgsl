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
// zeros to multiples of 4 (engine/fused-step.ts packs and unpacks them). Zeros stay zeros under every update,
// and the padding lets all three products load whole vec4s: 8 loads for each 64 fma of a 4x4 output tile.
// Regions, where engine/fused-step.ts (layoutOf) puts them, in vec4s: the weights W_1 .. W_L (out x in); their
// velocities; the features Z_0 (the data) .. Z_L; the targets Y (one-hot); two gradient slots.
//! include weight_decay.wgsl

struct Params {
  steps: u32,
  alpha: f32,
  momentum: f32,
  weightDecay: f32,
}

struct Regions {
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
override INPUTS: u32;
override WIDTH: u32;
override CLASSES: u32;
override DEPTH: u32;
override WORKGROUP_SIZE: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> learningRates: array<f32>; // one per step of this dispatch
@group(0) @binding(2) var<storage, read_write> work: array<vec4f>;
@group(0) @binding(3) var<uniform> regions: Regions;

// Sizes in vec4s (a padded row's length) and in padded rows.
fn quads(n: u32) -> u32 { return (n + 3u) / 4u; }
fn padded(n: u32) -> u32 { return 4u * quads(n); }
fn fanIn(l: u32) -> u32 { return select(WIDTH, INPUTS, l == 0u); }
fn fanOut(l: u32) -> u32 { return select(WIDTH, CLASSES, l == DEPTH - 1u); }
fn weightOffset(l: u32) -> u32 { return select(regions.firstWeight + (l - 1u) * regions.hiddenWeight, 0u, l == 0u); }
fn velocityOffset(l: u32) -> u32 { return regions.parameters + weightOffset(l); }
fn featureOffset(l: u32) -> u32 { return select(regions.features1 + (l - 1u) * regions.featureSize, regions.features0, l == 0u); }
fn targetOffset() -> u32 { return regions.targets; }
fn gradientOffset(slot: u32) -> u32 { return regions.gradients + slot * regions.gradientSize; }

// A product's output is shared out in tiles of 4 rows x 1 vec4; tile t of a rows x columnQuads output.
fn tileOrigin(tile: u32, columnQuads: u32) -> vec2u { return vec2u(4u * (tile / columnQuads), tile % columnQuads); }

// A tile's four rows (the columns of `rows`) to consecutive rows of a matrix `rowQuads` vec4s wide.
fn storeRows(destination: u32, rowQuads: u32, rows: mat4x4f) {
  for (var r = 0u; r < 4u; r++) {
    work[destination + r * rowQuads] = rows[r];
  }
}

// Z_{l+1} = Z_l W_l^T: entry (i, j) is dot(row i of Z_l, row j of W_l), four of each at a time.
fn forward(l: u32, lane: u32) {
  let inQuads = quads(fanIn(l));
  let outQuads = quads(fanOut(l));
  for (var tile = lane; tile < padded(SAMPLES) / 4u * outQuads; tile += WORKGROUP_SIZE) {
    let origin = tileOrigin(tile, outQuads);
    let z = featureOffset(l) + origin.x * inQuads;
    let w = weightOffset(l) + 4u * origin.y * inQuads;
    var acc = mat4x4f();
    for (var t = 0u; t < inQuads; t++) {
      let zRows = mat4x4f(work[z + t], work[z + inQuads + t], work[z + 2u * inQuads + t], work[z + 3u * inQuads + t]);
      let wRows = mat4x4f(work[w + t], work[w + inQuads + t], work[w + 2u * inQuads + t], work[w + 3u * inQuads + t]);
      acc += transpose(wRows) * zRows; // column r: the dots of Z's row r with the four rows of W
    }
    let destination = featureOffset(l + 1u) + origin.x * outQuads + origin.y;
    storeRows(destination, outQuads, acc);
  }
}

// G_l = G_{l+1} W_l (SAMPLES x fanIn): row i is the sum over j of G[i, j] times row j of W_l.
fn backward(l: u32, upstream: u32, downstream: u32, lane: u32) {
  let inQuads = quads(fanIn(l));
  let outQuads = quads(fanOut(l));
  for (var tile = lane; tile < padded(SAMPLES) / 4u * inQuads; tile += WORKGROUP_SIZE) {
    let origin = tileOrigin(tile, inQuads);
    let g = upstream + origin.x * outQuads;
    var acc = mat4x4f();
    for (var j = 0u; j < outQuads; j++) {
      let w = weightOffset(l) + 4u * j * inQuads + origin.y;
      let wRows = mat4x4f(work[w], work[w + inQuads], work[w + 2u * inQuads], work[w + 3u * inQuads]);
      let gRows = mat4x4f(work[g + j], work[g + outQuads + j], work[g + 2u * outQuads + j], work[g + 3u * outQuads + j]);
      acc += wRows * gRows; // column r: G[r, 4j..4j+3] weighting W's rows 4j..4j+3
    }
    let destination = downstream + origin.x * inQuads + origin.y;
    storeRows(destination, inQuads, acc);
  }
}

// dW_l = G^T Z_l (fanOut x fanIn): row j is the sum over samples i of G[i, j] times row i of Z_l; applied to
// W_l and its velocity as it is computed.
fn update(l: u32, gradient: u32, learningRate: f32, lane: u32) {
  let inQuads = quads(fanIn(l));
  let outQuads = quads(fanOut(l));
  for (var tile = lane; tile < outQuads * inQuads; tile += WORKGROUP_SIZE) {
    let origin = tileOrigin(tile, inQuads);
    var dW = mat4x4f();
    for (var i = 0u; i < padded(SAMPLES); i++) {
      let g = work[gradient + i * outQuads + origin.x / 4u];
      let z = work[featureOffset(l) + i * inQuads + origin.y];
      dW = mat4x4f(fma(vec4f(g.x), z, dW[0]), fma(vec4f(g.y), z, dW[1]), fma(vec4f(g.z), z, dW[2]), fma(vec4f(g.w), z, dW[3]));
    }
    for (var r = 0u; r < 4u; r++) {
      let index = (origin.x + r) * inQuads + origin.y;
      let decayed = decay4(work[weightOffset(l) + index], dW[r], learningRate, params.weightDecay);
      let w = decayed[0];
      let v = fma(vec4f(params.momentum), work[velocityOffset(l) + index], decayed[1]);
      work[velocityOffset(l) + index] = v;
      work[weightOffset(l) + index] = w - learningRate * v;
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32) {
  let outputs = padded(SAMPLES) * quads(CLASSES);
  let scale = 2.0 * params.alpha / f32(SAMPLES);
  for (var s = 0u; s < params.steps; s++) {
    let learningRate = learningRates[s];
    for (var l = 0u; l < DEPTH; l++) {
      forward(l, lane);
      storageBarrier();
    }
    for (var i = lane; i < outputs; i += WORKGROUP_SIZE) {
      work[gradientOffset(0u) + i] = scale * (params.alpha * work[featureOffset(DEPTH) + i] - work[targetOffset() + i]);
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
