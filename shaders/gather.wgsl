// out[r, c] = input[indices[r], c]: picks a mini-batch's rows, four consecutive outputs (a vec4) per invocation
// (grid.wgsl). Indices are stored as f32 (exact below 2^24 rows).
//! include grid.wgsl
//! include rows.wgsl

override ROWS: u32;  // rows gathered

@group(0) @binding(0) var<storage, read> input: array<vec4f>;
@group(0) @binding(1) var<storage, read> indices: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (4u * i >= ROWS * COLS) {
    return;
  }
  if (WHOLE_VEC4S) {
    out[i] = input[u32(indices[i / ROW_VEC4S]) * ROW_VEC4S + i % ROW_VEC4S];
    return;
  }
  var gathered: vec4f;
  for (var e = 0u; e < 4u; e++) {
    let k = min(4u * i + e, ROWS * COLS - 1u);  // past the last output (the buffer's padding): the last again
    let source = u32(indices[k / COLS]) * COLS + k % COLS;
    gathered[e] = input[source / 4u][source % 4u];
  }
  out[i] = gathered;
}
