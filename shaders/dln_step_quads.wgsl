// The fused step (dln_step.wgsl) where the device has quad operations: lanes trade by quad swaps, in registers.
enable subgroups;
//! include dln_step.wgsl

fn tradeA(value: vec4f, lane: Lane) -> vec4f { return quadSwapX(value); }
fn tradeB(value: vec4f, lane: Lane) -> vec4f { return quadSwapY(value); }
