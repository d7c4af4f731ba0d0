// Load rate: storage loads per second with addresses that differ per invocation, as a matmul's do, from a
// buffer small enough to stay in cache, so the figure is the cost of a load itself, not of memory.
// On a GPU the loads of a warp coalesce; on SwiftShader each invocation's load is its own (a gather), which
// is what bounds the matmul kernels there. VEC4 loads a vec4 per load, otherwise one float (its x).
// Eight loads per iteration into four accumulators; invocation i starts at vec4 8 i and walks on through the buffer.
// source[j] = j % 7 in every lane, so each sum is a small integer, exact in f32 and checkable on the host, and
// differs with the addresses an invocation reads:
//   out[i] = sum over t < ITERATIONS, u < 8 of LANES * ((8 i + 8 t + u) % COUNT % 7), LANES = 4 or 1.
// Host: dispatch (groups, 1, 1); COUNT a power of two; out holds one f32 per invocation.

override ITERATIONS: u32 = 64;
override WORKGROUP_SIZE: u32 = 64;
override COUNT: u32 = 4096;  // vec4s in source
override VEC4: bool = true;

@group(0) @binding(0) var<storage, read> source: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn load(index: u32) -> vec4f {
  let at = index & (COUNT - 1u);
  if (VEC4) {
    return source[at];
  }
  return vec4f(source[at].x, 0.0, 0.0, 0.0);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u) {
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  var index = 8u * id.x;
  for (var t = 0u; t < ITERATIONS; t++) {
    acc0 += load(index);
    acc1 += load(index + 1u);
    acc2 += load(index + 2u);
    acc3 += load(index + 3u);
    acc0 += load(index + 4u);
    acc1 += load(index + 5u);
    acc2 += load(index + 6u);
    acc3 += load(index + 7u);
    index += 8u;
  }
  let total = acc0 + acc1 + acc2 + acc3;
  out[id.x] = total.x + total.y + total.z + total.w;
}
