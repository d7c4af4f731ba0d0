// Copies a dense ROWS x COLS matrix into a region of a larger buffer whose rows are STRIDE floats apart,
// starting OFFSET floats in (or, UNPACK, back out of it): the fused step's padded layout, shaders/dln_step.wgsl.
// The host dispatches ceil(ROWS * COLS / WORKGROUP_SIZE) workgroups, 2-D when large (as elementwise.wgsl).
//! include grid.wgsl

override ROWS: u32;
override COLS: u32;
override STRIDE: u32;
override OFFSET: u32;
override UNPACK: bool = false;

@group(0) @binding(0) var<storage, read_write> dense: array<f32>;
@group(0) @binding(1) var<storage, read_write> strided: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (i >= ROWS * COLS) {
    return;
  }
  let at = OFFSET + (i / COLS) * STRIDE + i % COLS;
  if (UNPACK) {
    dense[i] = strided[at];
  } else {
    strided[at] = dense[i];
  }
}
