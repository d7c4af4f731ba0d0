// Subgroup matmul for CPU-like devices (SwiftShader): C (M x N) = op(A) (M x K) * op(B) (K x N), row-major f32.
// A is stored M x K, or K x M when TRANSPOSE_A; B is stored K x N, or N x K when TRANSPOSE_B.
//
// On a software GPU every load costs about a nanosecond per invocation, 20-30 times a multiply-add, and
// workgroup memory is no cheaper than storage. So operands are shared through registers instead:
// the four invocations of a quad (quadBroadcast: any subgroup size >= 4) compute a 16 x 16 block of C.
// Lane l owns columns 4l .. 4l+3 of the block (sixteen vec4 sums, one per row) and, per step of 4 k,
// loads a 4 x 4 block of op(A) (rows 4l .. 4l+3) and the 4 x 4 block of op(B) for its columns. Each row
// of A then reaches all four lanes by quadBroadcast. Per lane and step: 8 vec4 loads (32 floats) and
// 16 vec4 broadcasts for 256 multiply-adds, against 128 loads in the plain 4 x 4 kernel.
// When the stored rows are multiples of 4 long (VEC4_A: K, or M when transposed; VEC4_B: N, or K when
// transposed) blocks come in as aligned vec4 loads; otherwise as guarded scalars.
//
// Host: a workgroup is QUADS_X * QUADS_Y quads (4 * QUADS_X * QUADS_Y invocations) covering a
// (16 * QUADS_Y) x (16 * QUADS_X) tile of C; dispatch ceil(N / (16 * QUADS_X)) x ceil(M / (16 * QUADS_Y)).
// With the default one quad per workgroup the quad is the whole workgroup; with more, quads are taken to
// be invocations 4q .. 4q+3 of the workgroup (subgroups of consecutive invocations, as everywhere we know).
// Buffers are read as vec4s: their bound sizes must be multiples of 16 bytes.
// Every lane runs the whole loop (outside the matrix it reads zeros): broadcasts need the full quad.
// SYMMETRIC workgroups wholly below the diagonal return at once (per workgroup, so no quad is left partial);
// the rest write their upper-triangle entries and mirror them, at stride N, below the diagonal.
enable subgroups;

override M: u32;
override N: u32;
override K: u32;
override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override SYMMETRIC: bool = false;  // op(A) = op(B)^T, so C = C^T: only blocks touching the upper triangle are computed
override VEC4_A: bool = false;  // rows of the stored A are a multiple of 4 floats long
override VEC4_B: bool = false;  // rows of the stored B are a multiple of 4 floats long
override QUADS_X: u32 = 1;
override QUADS_Y: u32 = 1;

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

// op(A)[row, k], zero outside the matrix. The load itself may fall past the matrix: the buffer is
// bound whole and WebGPU clamps indices, so a select (no branch, which software GPUs pay for) suffices.
fn readA(row: u32, k: u32) -> f32 {
  let index = select(row * K + k, k * M + row, TRANSPOSE_A);
  return select(0.0, a[index / 4u][index % 4u], (row < M) & (k < K));
}

fn readB(k: u32, col: u32) -> f32 {
  let index = select(k * N + col, col * K + k, TRANSPOSE_B);
  return select(0.0, b[index / 4u][index % 4u], (k < K) & (col < N));
}

// Stored A's floats index .. index + 3 (index a multiple of 4), zero when `inside` is false.
fn readA4(index: u32, inside: bool) -> vec4f {
  return select(vec4f(0.0), a[index / 4u], inside);
}

fn readB4(index: u32, inside: bool) -> vec4f {
  return select(vec4f(0.0), b[index / 4u], inside);
}

// op(A)[row .. row + 3, k .. k + 3] with row and k multiples of 4; column i holds row `row + i`.
fn readABlock(row: u32, k: u32) -> mat4x4f {
  if (VEC4_A && TRANSPOSE_A) {  // four rows of the stored K x M matrix, then a register transpose
    let rows = mat4x4f(readA4(k * M + row, (k < K) & (row < M)), readA4((k + 1u) * M + row, (k + 1u < K) & (row < M)),
                       readA4((k + 2u) * M + row, (k + 2u < K) & (row < M)), readA4((k + 3u) * M + row, (k + 3u < K) & (row < M)));
    return transpose(rows);
  }
  if (VEC4_A) {
    return mat4x4f(readA4(row * K + k, (row < M) & (k < K)), readA4((row + 1u) * K + k, (row + 1u < M) & (k < K)),
                   readA4((row + 2u) * K + k, (row + 2u < M) & (k < K)), readA4((row + 3u) * K + k, (row + 3u < M) & (k < K)));
  }
  return mat4x4f(
    vec4f(readA(row, k), readA(row, k + 1u), readA(row, k + 2u), readA(row, k + 3u)),
    vec4f(readA(row + 1u, k), readA(row + 1u, k + 1u), readA(row + 1u, k + 2u), readA(row + 1u, k + 3u)),
    vec4f(readA(row + 2u, k), readA(row + 2u, k + 1u), readA(row + 2u, k + 2u), readA(row + 2u, k + 3u)),
    vec4f(readA(row + 3u, k), readA(row + 3u, k + 1u), readA(row + 3u, k + 2u), readA(row + 3u, k + 3u)));
}

// op(B)[k .. k + 3, col .. col + 3] with k and col multiples of 4; column j holds op(B) row `k + j`.
fn readBBlock(k: u32, col: u32) -> mat4x4f {
  if (VEC4_B && TRANSPOSE_B) {  // four rows of the stored N x K matrix, then a register transpose
    let cols = mat4x4f(readB4(col * K + k, (col < N) & (k < K)), readB4((col + 1u) * K + k, (col + 1u < N) & (k < K)),
                       readB4((col + 2u) * K + k, (col + 2u < N) & (k < K)), readB4((col + 3u) * K + k, (col + 3u < N) & (k < K)));
    return transpose(cols);
  }
  if (VEC4_B) {
    return mat4x4f(readB4(k * N + col, (k < K) & (col < N)), readB4((k + 1u) * N + col, (k + 1u < K) & (col < N)),
                   readB4((k + 2u) * N + col, (k + 2u < K) & (col < N)), readB4((k + 3u) * N + col, (k + 3u < K) & (col < N)));
  }
  return mat4x4f(
    vec4f(readB(k, col), readB(k, col + 1u), readB(k, col + 2u), readB(k, col + 3u)),
    vec4f(readB(k + 1u, col), readB(k + 1u, col + 1u), readB(k + 1u, col + 2u), readB(k + 1u, col + 3u)),
    vec4f(readB(k + 2u, col), readB(k + 2u, col + 1u), readB(k + 2u, col + 2u), readB(k + 2u, col + 3u)),
    vec4f(readB(k + 3u, col), readB(k + 3u, col + 1u), readB(k + 3u, col + 2u), readB(k + 3u, col + 3u)));
}

// C[row, col .. col + 3] = value, dropping what falls outside the matrix. A SYMMETRIC product keeps only
// the upper triangle's entries and mirrors them below the diagonal, so each entry is written exactly once.
fn writeC4(row: u32, col: u32, value: vec4f) {
  if (row >= M) {
    return;
  }
  for (var i = 0u; i < 4u; i++) {
    let column = col + i;
    if (column < N && (!SYMMETRIC || row <= column)) {
      c[row * N + column] = value[i];
      if (SYMMETRIC && row < column) {
        c[column * N + row] = value[i];
      }
    }
  }
}

@compute @workgroup_size(4 * QUADS_X * QUADS_Y)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32,
        @builtin(subgroup_invocation_id) subgroupLane: u32) {
  if (SYMMETRIC && group.y * 16u * QUADS_Y >= (group.x + 1u) * 16u * QUADS_X) {  // the tile lies below the diagonal
    return;
  }
  let lane = subgroupLane % 4u;
  let quad = local / 4u;
  let row0 = (group.y * QUADS_Y + quad / QUADS_X) * 16u;  // this quad's 16 x 16 block of C
  let col0 = (group.x * QUADS_X + quad % QUADS_X) * 16u;
  let col = col0 + 4u * lane;  // this lane's four columns
  var sum0 = vec4f(0.0);  // C[row0 + 0, col .. col + 3]
  var sum1 = vec4f(0.0);
  var sum2 = vec4f(0.0);
  var sum3 = vec4f(0.0);
  var sum4 = vec4f(0.0);
  var sum5 = vec4f(0.0);
  var sum6 = vec4f(0.0);
  var sum7 = vec4f(0.0);
  var sum8 = vec4f(0.0);
  var sum9 = vec4f(0.0);
  var sum10 = vec4f(0.0);
  var sum11 = vec4f(0.0);
  var sum12 = vec4f(0.0);
  var sum13 = vec4f(0.0);
  var sum14 = vec4f(0.0);
  var sum15 = vec4f(0.0);
  for (var k = 0u; k < K; k += 4u) {
    let ownA = readABlock(row0 + 4u * lane, k);  // rows 4 lane .. 4 lane + 3 of the block
    let blockB = readBBlock(k, col);
    // Row r of the block lives in lane r / 4; blockB * row = sum over j of row[j] * op(B)[k + j, cols].
    sum0 += blockB * quadBroadcast(ownA[0], 0u);
    sum1 += blockB * quadBroadcast(ownA[1], 0u);
    sum2 += blockB * quadBroadcast(ownA[2], 0u);
    sum3 += blockB * quadBroadcast(ownA[3], 0u);
    sum4 += blockB * quadBroadcast(ownA[0], 1u);
    sum5 += blockB * quadBroadcast(ownA[1], 1u);
    sum6 += blockB * quadBroadcast(ownA[2], 1u);
    sum7 += blockB * quadBroadcast(ownA[3], 1u);
    sum8 += blockB * quadBroadcast(ownA[0], 2u);
    sum9 += blockB * quadBroadcast(ownA[1], 2u);
    sum10 += blockB * quadBroadcast(ownA[2], 2u);
    sum11 += blockB * quadBroadcast(ownA[3], 2u);
    sum12 += blockB * quadBroadcast(ownA[0], 3u);
    sum13 += blockB * quadBroadcast(ownA[1], 3u);
    sum14 += blockB * quadBroadcast(ownA[2], 3u);
    sum15 += blockB * quadBroadcast(ownA[3], 3u);
  }
  writeC4(row0 + 0u, col, sum0);
  writeC4(row0 + 1u, col, sum1);
  writeC4(row0 + 2u, col, sum2);
  writeC4(row0 + 3u, col, sum3);
  writeC4(row0 + 4u, col, sum4);
  writeC4(row0 + 5u, col, sum5);
  writeC4(row0 + 6u, col, sum6);
  writeC4(row0 + 7u, col, sum7);
  writeC4(row0 + 8u, col, sum8);
  writeC4(row0 + 9u, col, sum9);
  writeC4(row0 + 10u, col, sum10);
  writeC4(row0 + 11u, col, sum11);
  writeC4(row0 + 12u, col, sum12);
  writeC4(row0 + 13u, col, sum13);
  writeC4(row0 + 14u, col, sum14);
  writeC4(row0 + 15u, col, sum15);
}
