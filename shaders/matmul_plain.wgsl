// Plain matmul, the baseline: C (M x N) = op(A) (M x K) * op(B) (K x N), all row-major f32.
// A is stored M x K, or K x M when TRANSPOSE_A; B is stored K x N, or N x K when TRANSPOSE_B.
// Each invocation computes a 4 x 4 block of C straight from storage: no workgroup memory, no sharing.
// The host dispatches ceil(N / (4 * WORKGROUP_X)) x ceil(M / (4 * WORKGROUP_Y)) workgroups.
// Buffers may be longer than the matrices; every read and write is guarded in the included helpers.
//! include matmul_f32_inputs.wgsl

override WORKGROUP_X: u32 = 8;
override WORKGROUP_Y: u32 = 8;

// op(B)[k, col .. col + 3].
fn readB4(k: u32, col: u32) -> vec4f {
  return vec4f(readB(k, col), readB(k, col + 1u), readB(k, col + 2u), readB(k, col + 3u));
}

@compute @workgroup_size(WORKGROUP_X, WORKGROUP_Y)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let K = values.K;
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
