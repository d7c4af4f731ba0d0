// out[i] = VALUE for i < COUNT. Dispatch as elementwise.wgsl: ceil(COUNT / WORKGROUP_SIZE) workgroups, 2-D when large.

override COUNT: u32;
override VALUE: f32;
override WORKGROUP_SIZE: u32 = 64;

@group(0) @binding(0) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = id.x + id.y * groups.x * WORKGROUP_SIZE;
  if (i < COUNT) {
    out[i] = VALUE;
  }
}
