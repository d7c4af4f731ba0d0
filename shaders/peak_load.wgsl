// Load rate, measured the way the matmul kernels load: a matmul's loads without its multiply-adds.
// C (SIZE x SIZE) = A B with A and B SIZE x SIZE, row-major; each invocation owns the 4 x 4 block of C at
// rows 4 y .., columns 4 x .., as in matmul_plain.wgsl (workgroups of 8 x 8), and walks k over all of K:
//   VEC4 false: per k, A[row + i, k] and B[k, col + j] for i, j < 4 as 8 float loads, the plain kernel's loads;
//   VEC4 true:  per 4 k, A[row + i, k .. k + 3] and B[k + i, col .. col + 3] for i < 4 as 8 vec4 loads, the
//               subgroup kernel's VEC4 loads of a 4 x 4 block of op(A) and of op(B).
// So neighbouring invocations read neighbouring columns of B and the same rows of A, strided as a matmul
// strides them, from buffers of SIZE^2 floats (1 MiB at 512: from cache, not from memory). Instead of being
// multiplied, what is loaded is summed; every invocation's sum is that of its four rows of A and four columns
// of B, the same for both widths, which the host checks:
//   out[x + y * SIZE / 4] = sum over i < 4 of (sum of A's row 4 y + i) + (sum of B's column 4 x + i).
// Host: dispatch (SIZE / 32, SIZE / 32, 1); SIZE a multiple of 32; out holds one f32 per invocation.

override SIZE: u32 = 512;
override VEC4: bool = false;

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read> aFloats: array<f32>;
@group(0) @binding(3) var<storage, read> bFloats: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let row = 4u * id.y;
  let col = 4u * id.x;
  var sumA = vec4f(0.0);
  var sumB = vec4f(0.0);
  if (VEC4) {
    for (var k = 0u; k < SIZE; k += 4u) {  // floats index / 4 of a and b, index a multiple of 4
      sumA += a[(row * SIZE + k) / 4u] + a[((row + 1u) * SIZE + k) / 4u] + a[((row + 2u) * SIZE + k) / 4u] + a[((row + 3u) * SIZE + k) / 4u];
      sumB += b[(k * SIZE + col) / 4u] + b[((k + 1u) * SIZE + col) / 4u] + b[((k + 2u) * SIZE + col) / 4u] + b[((k + 3u) * SIZE + col) / 4u];
    }
  } else {
    for (var k = 0u; k < SIZE; k++) {
      sumA += vec4f(aFloats[row * SIZE + k], aFloats[(row + 1u) * SIZE + k], aFloats[(row + 2u) * SIZE + k], aFloats[(row + 3u) * SIZE + k]);
      sumB += vec4f(bFloats[k * SIZE + col], bFloats[k * SIZE + col + 1u], bFloats[k * SIZE + col + 2u], bFloats[k * SIZE + col + 3u]);
    }
  }
  let total = sumA + sumB;
  out[id.x + id.y * SIZE / 4u] = total.x + total.y + total.z + total.w;
}
