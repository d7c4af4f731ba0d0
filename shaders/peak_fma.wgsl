// FMA peak: multiply-adds with no memory traffic, to measure the arithmetic rate the device sustains.
// Three independent vec4 accumulators, each updated by acc = fma(acc, multiplier, addend) 16 times per
// iteration: 3 * 16 * 4 lanes * 2 flops = 384 flops per iteration per invocation.
// The shape is SwiftShader's best (measured on 2 EPYC cores: 75-78 GFLOP/s, the alternatives tried 14-52).
// SwiftShader runs each vec4 component as a 4-wide SIMD register across 4 invocations, so three vec4s are
// 12 registers, which with the two operands fit x86's 16 vector registers; four or more accumulators ran
// slower. Its JIT does not interleave dependent chains or unroll loops, hence the written-out, interleaved
// rounds: an inner loop, a helper function or one accumulator's 16 steps in a row ran at half the rate or less.
// multiplier and addend come from a buffer, so the compiler cannot fold the loop; the host passes (1, 1),
// which makes each accumulator count its steps exactly and the result checkable:
//   out[i] = sum over accumulators j < 3 and 4 lanes of (i + j + 16 ITERATIONS) = 12 i + 12 + 192 ITERATIONS.
// Host: dispatch (groups, 1, 1), out holding one f32 per invocation; below 2^20 invocations the sums are exact.

override ITERATIONS: u32 = 64;
override WORKGROUP_SIZE: u32 = 64;

@group(0) @binding(0) var<storage, read> factors: vec2f;  // (multiplier, addend)
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let multiplier = vec4f(factors.x);
  let addend = vec4f(factors.y);
  let start = f32(id.x);
  var acc0 = vec4f(start);
  var acc1 = vec4f(start + 1.0);
  var acc2 = vec4f(start + 2.0);
  for (var i = 0u; i < ITERATIONS; i++) {
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
    acc0 = fma(acc0, multiplier, addend);
    acc1 = fma(acc1, multiplier, addend);
    acc2 = fma(acc2, multiplier, addend);
  }
  // Named, not summed inside dot(): that one-expression form ran the loop at half the rate on SwiftShader (measured).
  let total = acc0 + acc1 + acc2;
  out[id.x] = dot(total, vec4f(1.0));
}
