// Included by the plain and tiled matmul kernels: op(A) and op(B) read a float at a time from f32 arrays.
//! include matmul_common.wgsl

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;

// op(A)[row, k], zero outside the matrix. The load itself may fall past the matrix: the buffer is bound
// whole and WebGPU clamps indices, so a select (no branch, which software GPUs pay dearly for) suffices.
fn readA(row: u32, k: u32) -> f32 {
  let M = values.M;
  let K = values.K;
  let index = select(row * K + k, k * M + row, TRANSPOSE_A);
  return select(0.0, a[index], (row < M) & (k < K));
}

// op(B)[k, col], zero outside the matrix (as readA).
fn readB(k: u32, col: u32) -> f32 {
  let N = values.N;
  let K = values.K;
  let index = select(k * N + col, col * K + k, TRANSPOSE_B);
  return select(0.0, b[index], (k < K) & (col < N));
}
