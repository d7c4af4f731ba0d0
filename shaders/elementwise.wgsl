// Elementwise ops on flat f32 arrays, one invocation per element: out = OP(a, b).
// Unary ops bind their input as both a and b. The host dispatches ceil(COUNT / WORKGROUP_SIZE)
// workgroups, folded into a 2-D grid (x * y) when that exceeds maxComputeWorkgroupsPerDimension.

const ADD = 0u;
const SUB = 1u;
const MUL = 2u;
const SCALE_A = 3u;         // out = SCALE * a
const RELU = 4u;
const RELU_BACKWARD = 5u;   // out = a * (b > 0): a is the output's gradient, b the relu's input
const BROADCAST = 6u;       // out = SCALE * b[0]: the gradient of a sum, spread over its input

override OP: u32;
override COUNT: u32;
override SCALE: f32 = 1.0;
override WORKGROUP_SIZE: u32 = 64;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = id.x + id.y * groups.x * WORKGROUP_SIZE;
  if (i >= COUNT) {
    return;
  }
  switch OP {
    case ADD: { out[i] = a[i] + b[i]; }
    case SUB: { out[i] = a[i] - b[i]; }
    case MUL: { out[i] = a[i] * b[i]; }
    case SCALE_A: { out[i] = SCALE * a[i]; }
    case RELU: { out[i] = max(a[i], 0.0); }
    case RELU_BACKWARD: { out[i] = select(0.0, a[i], b[i] > 0.0); }
    case BROADCAST: { out[i] = SCALE * b[0]; }
    default: {}
  }
}
