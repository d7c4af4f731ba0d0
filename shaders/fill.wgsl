// out[i] = value for i < COUNT, one invocation per element.
//! include grid.wgsl

struct Values {
  value: f32,
}

override COUNT: u32;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(1) @binding(0) var<uniform> values: Values;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (i < COUNT) {
    out[i] = values.value;
  }
}
