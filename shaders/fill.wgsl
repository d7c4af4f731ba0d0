// out[i] = value for i < count, four elements (one vec4) per invocation (grid.wgsl).
//! include grid.wgsl

struct Values {
  value: f32,
  count: u32,  // elements (a size as a value: grid.wgsl)
}

@group(0) @binding(0) var<storage, read_write> out: array<vec4f>;
@group(1) @binding(0) var<uniform> values: Values;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (4u * i < values.count) {
    out[i] = vec4f(values.value);
  }
}
