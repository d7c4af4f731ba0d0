// out[r, c] = input[indices[r], c]: picks a mini-batch's rows. One invocation per output element;
// indices are stored as f32 (exact below 2^24 rows). The host dispatches ceil(ROWS * COLS / WORKGROUP_SIZE)
// workgroups, 2-D when large (as elementwise.wgsl).
//! include grid.wgsl

override ROWS: u32;  // rows gathered
override COLS: u32;

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (i >= ROWS * COLS) {
    return;
  }
  let row = i / COLS;
  let col = i % COLS;
  out[i] = input[u32(indices[row]) * COLS + col];
}
