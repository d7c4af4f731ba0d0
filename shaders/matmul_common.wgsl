// Included by the three matmul kernels (//! include matmul_common.wgsl): C (M x N) = op(A) (M x K) * op(B) (K x N),
// all row-major f32; A is stored M x K, or K x M when TRANSPOSE_A; B is stored K x N, or N x K when TRANSPOSE_B.
// Buffers may be longer than the matrices: every write is guarded here (and the epilogue's read with it), every other
// read in the kernel's readA and readB.

// The shape is a value, not an override constant, so one pipeline serves every shape of a layout and block.
struct Values {
  M: u32,
  N: u32,
  K: u32,
}
@group(1) @binding(0) var<uniform> values: Values;

override TRANSPOSE_A: bool = false;
override TRANSPOSE_B: bool = false;
override SYMMETRIC: bool = false;  // op(A) = op(B)^T, so C = C^T: only blocks touching the upper triangle are computed
// The epilogue, applied as C is written (a network layer's x W^T + 1 b^T, then its activation), never with SYMMETRIC:
override BIAS: bool = false;  // epilogueInput[col] added to every row
override RELU: bool = false;  // then max(., 0)
// Or, never with BIAS, a ReLU's gradient: C kept where the M x N epilogueInput (the ReLU's output) is > 0, else 0
override MASK: bool = false;

@group(0) @binding(2) var<storage, read_write> c: array<f32>;
// The bias or the mask, bound whatever BIAS and MASK say (a binding cannot hang on an override): without either, A
// again, unread.
@group(0) @binding(3) var<storage, read> epilogueInput: array<f32>;

// C[row, col .. col + 3] = sums after the epilogue, dropping what falls outside the matrix. A SYMMETRIC product keeps
// only the upper triangle's entries and mirrors them below the diagonal, so each entry is written exactly once.
fn writeC4(row: u32, col: u32, sums: vec4f) {
  let M = values.M;
  let N = values.N;
  if (row >= M) {
    return;
  }
  for (var i = 0u; i < 4u; i++) {
    let column = col + i;
    if (column < N && (!SYMMETRIC || row <= column)) {
      var value = sums[i];
      if (BIAS) {
        value += epilogueInput[column];
      }
      if (RELU) {
        value = max(value, 0.0);
      }
      if (MASK && !(epilogueInput[row * N + column] > 0.0)) {
        value = 0.0;
      }
      c[row * N + column] = value;
      if (SYMMETRIC && row < column) {
        c[column * N + row] = value;
      }
    }
  }
}
