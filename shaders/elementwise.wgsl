// Elementwise ops on flat f32 arrays, four elements (one vec4) per invocation (grid.wgsl): out = OP(a, b). Unary ops
// bind their input as both a and b. The op codes OP_* are generated from the table in engine/ops/elementwise.ts.
//   OP_SCALE:          out = factor * a
//   OP_RELU_BACKWARD:  out = a * (b > 0): a is the output's gradient, b the relu's input or output (positive alike)
//   OP_BROADCAST:      out = factor * b[0]: the gradient of a sum, spread over its input
//! include grid.wgsl

struct Values {
  factor: f32,
  count: u32,  // elements (a size as a value: grid.wgsl)
}

override OP: u32;

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;
@group(1) @binding(0) var<uniform> values: Values;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (4u * i >= values.count) {
    return;
  }
  switch OP {
    case OP_ADD: { out[i] = a[i] + b[i]; }
    case OP_SUB: { out[i] = a[i] - b[i]; }
    case OP_MUL: { out[i] = a[i] * b[i]; }
    case OP_SCALE: { out[i] = values.factor * a[i]; }
    case OP_RELU: { out[i] = max(a[i], vec4f(0.0)); }
    case OP_RELU_BACKWARD: { out[i] = select(vec4f(0.0), a[i], b[i] > vec4f(0.0)); }
    case OP_BROADCAST: { out[i] = vec4f(values.factor * b[0].x); }
    default: { out[i] = vec4f(poison(i)); }  // a code the table has and this switch lacks: NaN, never stale memory
  }
}
