// One fused SGD step per parameter tensor, one invocation per weight, with PyTorch's semantics:
//   coupled (torch.optim.SGD):  g = grad + weightDecay * w;  v = momentum * v + g;  w = w - lr * v
//   DECOUPLED (AdamW-style):    w = w * (1 - lr * weightDecay);  v = momentum * v + grad;  w = w - lr * v
// With momentum 0, v is just g. v starts at zero, so the first step's v is g, as PyTorch's buffer.
// The host dispatches ceil(COUNT / WORKGROUP_SIZE) workgroups, 2-D when large (as elementwise.wgsl).
//! include grid.wgsl
//! include weight_decay.wgsl

struct Hyperparameters {
  learningRate: f32,
  momentum: f32,
  weightDecay: f32,
}

override COUNT: u32;

@group(0) @binding(0) var<uniform> hyper: Hyperparameters;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (i >= COUNT) {
    return;
  }
  let decayed = decay(weights[i], grad[i], hyper.learningRate, hyper.weightDecay);
  let w = decayed.x;
  let g = decayed.y;
  let v = fma(hyper.momentum, velocity[i], g);
  velocity[i] = v;
  weights[i] = w - hyper.learningRate * v;
}
