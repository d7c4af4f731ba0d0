// Included (//! include grid.wgsl) by the kernels that run one invocation per item, or per ITEMS_PER_INVOCATION items
// when they loop over itemAt's: the host (engine/ops/launch.ts) passes WORKGROUP_SIZE (and ITEMS_PER_INVOCATION) and
// dispatches enough workgroups for every item, folded into an x * y grid when one dimension cannot hold them all.
// Kernels over flat f32 arrays take four floats, one vec4, per item (vec4Items in launch.ts): a software GPU pays
// per invocation's load, whatever its width. The last vec4 may reach past the count into the buffer's padding,
// harmless: every pooled buffer is a multiple of 16 bytes (pool.ts), and no other tensor shares it, or, in a block,
// shares it beyond the view's own padding (engine/block.ts aligns views to at least 16 bytes).
// A kernel that reads its element count from its values (`values.count`) rather than an override constant serves
// every size with one pipeline.

override WORKGROUP_SIZE: u32;
override ITEMS_PER_INVOCATION: u32 = 1u;  // launch's `loops`: neighbouring invocations still take neighbouring items

// A quiet NaN, for what a kernel must never leave stale (a code its switch lacks). Built from the item so that it is
// a run-time value: a constant NaN is a shader-creation error in WGSL.
fn poison(item: u32) -> f32 {
  return bitcast<f32>(0x7fc00000u | (item & 0u));
}

// The item this invocation handles (possibly past the last: each kernel checks).
fn itemIndex(id: vec3u, groups: vec3u) -> u32 {
  return id.x + id.y * groups.x * WORKGROUP_SIZE;
}

// The item the invocation handles in turn `turn` of ITEMS_PER_INVOCATION: each turn takes one item per invocation of
// the grid (possibly past the last: each kernel checks).
fn itemAt(id: vec3u, groups: vec3u, turn: u32) -> u32 {
  return itemIndex(id, groups) + turn * groups.x * groups.y * WORKGROUP_SIZE;
}
