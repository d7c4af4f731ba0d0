// The fused step (dln_step.wgsl) where the device has no subgroups: lanes trade through workgroup memory, with a
// barrier on either side of every exchange.
//! include dln_step.wgsl

var<workgroup> traded: array<vec4f, WORKGROUP_SIZE>;

fn exchange(value: vec4f, index: u32, partner: u32) -> vec4f {
  traded[index] = value;
  workgroupBarrier();
  let received = traded[partner];
  workgroupBarrier();
  return received;
}

fn tradeA(value: vec4f, lane: Lane) -> vec4f { return exchange(value, lane.index, lane.index ^ 1u); }
fn tradeB(value: vec4f, lane: Lane) -> vec4f { return exchange(value, lane.index, lane.index ^ 2u); }
