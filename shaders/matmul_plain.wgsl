// Plain matmul, the baseline: C (M x N) = op(A) (M x K) * op(B) (K x N), all row-major f32.
// A is stored M x K, or K x M when TRANSPOSE_A; B is stored K x N, or N x K when TRANSPOSE_B.
// Each invocation computes a 4 x 4 block of C straight from storage: no workgroup memory, no sharing.
// The host dispatches ceil(N / (4 * WORKGROUP_X)) x ceil(M / (4 * WORKGROUP_Y)) workgroups.
// Buffers may be longer than the matrices; every read and write is guarded in the helpers below.

override M: u32;
override N: u32;
override K: u32;
override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override SYMMETRIC: bool = false;  // op(A) = op(B)^T, so C = C^T: only blocks touching the upper triangle are computed
override WORKGROUP_X: u32 = 8;
override WORKGROUP_Y: u32 = 8;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

// op(A)[row, k], zero outside the matrix. The load itself may fall past the matrix: the buffer is bound
// whole and WebGPU clamps indices, so a select (no branch, which software GPUs pay dearly for) suffices.
fn readA(row: u32, k: u32) -> f32 {
  let index = select(row * K + k, k * M + row, TRANSPOSE_A);
  return select(0.0, a[index], (row < M) & (k < K));
}

// op(B)[k, col], zero outside the matrix (as readA).
fn readB(k: u32, col: u32) -> f32 {
  let index = select(k * N + col, col * K + k, TRANSPOSE_B);
  return select(0.0, b[index], (k < K) & (col < N));
}

// op(B)[k, col .. col + 3].
fn readB4(k: u32, col: u32) -> vec4f {
  return vec4f(readB(k, col), readB(k, col + 1u), readB(k, col + 2u), readB(k, col + 3u));
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

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let row = id.y * 4u;
  let col = id.x * 4u;
  if (SYMMETRIC && row >= col + 4u) {  // the block lies below the diagonal: its mirror image writes it
    return;
  }
  var sum0 = vec4f(0.0);  // C[row + i, col .. col + 3] in sum{i}
  var sum1 = vec4f(0.0);
  var sum2 = vec4f(0.0);
  var sum3 = vec4f(0.0);
  for (var k = 0u; k < K; k++) {
    let bRow = readB4(k, col);
    sum0 += readA(row, k) * bRow;
    sum1 += readA(row + 1u, k) * bRow;
    sum2 += readA(row + 2u, k) * bRow;
    sum3 += readA(row + 3u, k) * bRow;
  }
  writeC4(row, col, sum0);
  writeC4(row + 1u, col, sum1);
  writeC4(row + 2u, col, sum2);
  writeC4(row + 3u, col, sum3);
}
