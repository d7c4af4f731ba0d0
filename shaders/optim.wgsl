// One fused SGD step over a parameter tensor or a block of them (engine/block.ts), four weights (one vec4) per
// item, ITEMS_PER_INVOCATION items per invocation (grid.wgsl), with PyTorch's semantics:
//   coupled (torch.optim.SGD):  g = grad + weightDecay * w;  v = momentum * v + g;  w = w - lr * v
//   DECOUPLED (AdamW-style):    w = w * (1 - lr * weightDecay);  v = momentum * v + grad;  w = w - lr * v
// With momentum 0, v is just g. v starts at zero, so the first step's v is g, as PyTorch's buffer.
//! include grid.wgsl
//! include weight_decay.wgsl

struct Hyperparameters {
  learningRate: f32,
  momentum: f32,
  weightDecay: f32,
}

struct Values {
  count: u32,  // weights (a size as a value: grid.wgsl)
}

@group(0) @binding(0) var<uniform> hyper: Hyperparameters;
@group(1) @binding(0) var<uniform> values: Values;
@group(0) @binding(1) var<storage, read_write> weights: array<vec4f>;
@group(0) @binding(2) var<storage, read> grad: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> velocity: array<vec4f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  for (var turn = 0u; turn < ITEMS_PER_INVOCATION; turn++) {
    let i = itemAt(id, groups, turn);
    if (4u * i < values.count) {
      update(i);
    }
  }
}

fn update(i: u32) {
  let decayed = decay4(weights[i], grad[i], hyper.learningRate, hyper.weightDecay);
  let w = decayed[0];
  let g = decayed[1];
  let v = fma(vec4f(hyper.momentum), velocity[i], g);
  velocity[i] = v;
  weights[i] = w - hyper.learningRate * v;
}
