// Tiled matmul for GPUs: C (M x N) = op(A) (M x K) * op(B) (K x N), all row-major f32.
// A is stored M x K, or K x M when TRANSPOSE_A; B is stored K x N, or N x K when TRANSPOSE_B.
//
// A workgroup of WORKGROUP_X x WORKGROUP_Y invocations computes a TILE_M x TILE_N tile of C, where
// TILE_M = 4 * WORKGROUP_Y and TILE_N = 4 * WORKGROUP_X; each invocation owns a 4 x 4 block in registers.
// The K dimension is walked TILE_K at a time: the workgroup copies op(A)'s TILE_M x TILE_K slab and
// op(B)'s TILE_K x TILE_N slab into workgroup memory (zeros past the matrix edges), synchronises, and
// every invocation accumulates its block from there, so each float read from storage is used
// 4 * WORKGROUP_X (A) or 4 * WORKGROUP_Y (B) times. Transposes and edge checks live only in readA and
// readB, so the tile loop is the same for all shapes and layouts.
//
// Host: dispatch ceil(N / TILE_N) x ceil(M / TILE_M) workgroups; the workgroup memory is
// 4 * TILE_K * (TILE_M + TILE_N) bytes.
//! include matmul_f32_inputs.wgsl

override WORKGROUP_X: u32 = 16;
override WORKGROUP_Y: u32 = 16;
override TILE_K: u32 = 16;

const BLOCK = 4u;  // each invocation's block of C is BLOCK x BLOCK

// tileA[k * TILE_M + row] = op(A)[row0 + row, k0 + k]; tileB[k * WORKGROUP_X + x] = op(B)[k0 + k, col0 + 4x .. 4x + 3].
var<workgroup> tileA: array<f32, TILE_K * BLOCK * WORKGROUP_Y>;
var<workgroup> tileB: array<vec4f, TILE_K * WORKGROUP_X>;

// Fills tileA and tileB for the slab starting at k0. Neighbouring invocations read neighbouring
// addresses of the stored matrix: along k when A is M x K, along rows when it is stored K x M.
fn loadTiles(row0: u32, col0: u32, k0: u32, local: u32) {
  let tileM = BLOCK * WORKGROUP_Y;
  let tileN = BLOCK * WORKGROUP_X;
  let invocations = WORKGROUP_X * WORKGROUP_Y;
  for (var i = local; i < tileM * TILE_K; i += invocations) {
    let row = select(i / TILE_K, i % tileM, TRANSPOSE_A);
    let k = select(i % TILE_K, i / tileM, TRANSPOSE_A);
    tileA[k * tileM + row] = readA(row0 + row, k0 + k);
  }
  for (var i = local; i < tileN * TILE_K; i += invocations) {
    let col = select(i % tileN, i / TILE_K, TRANSPOSE_B);
    let k = select(i / tileN, i % TILE_K, TRANSPOSE_B);
    tileB[k * WORKGROUP_X + col / BLOCK][col % BLOCK] = readB(k0 + k, col0 + col);
  }
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_id) invocation: vec3u,
        @builtin(local_invocation_index) local: u32) {
  let K = values.K;
  let tileM = BLOCK * WORKGROUP_Y;
  let row0 = group.y * tileM;
  let col0 = group.x * BLOCK * WORKGROUP_X;
  if (SYMMETRIC && row0 >= col0 + BLOCK * WORKGROUP_X) {  // the tile lies below the diagonal: its mirror image writes it
    return;
  }
  let blockRow = BLOCK * invocation.y;  // this invocation's rows and columns within the tile
  var sum: array<vec4f, BLOCK>;  // sum[i] = C[row0 + blockRow + i, col0 + 4 x .. 4 x + 3]
  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    loadTiles(row0, col0, k0, local);
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let rowB = tileB[k * WORKGROUP_X + invocation.x];
      for (var i = 0u; i < BLOCK; i++) {
        sum[i] += tileA[k * tileM + blockRow + i] * rowB;
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < BLOCK; i++) {
    writeC4(row0 + blockRow + i, col0 + BLOCK * invocation.x, sum[i]);
  }
}
