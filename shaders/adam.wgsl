// One fused Adam step over a parameter tensor or a block of them (engine/block.ts), four weights (one vec4) per
// item, ITEMS_PER_INVOCATION items per invocation (grid.wgsl), with PyTorch's semantics:
//   coupled (torch.optim.Adam):   g = grad + weightDecay * w
//   DECOUPLED (torch.optim.AdamW): w = w * (1 - lr * weightDecay);  g = grad
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   w = w - stepSize * m / (sqrt(v) / sqrtCorrection2 + eps)
// where the host passes the bias corrections of step t: stepSize = lr / (1 - beta1^t), sqrtCorrection2 =
// sqrt(1 - beta2^t), in PyTorch's order of operations. m and v start at zero.
//! include grid.wgsl
//! include weight_decay.wgsl

struct Hyperparameters {
  learningRate: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  stepSize: f32,
  sqrtCorrection2: f32,
}

struct Values {
  count: u32,  // weights (a size as a value: grid.wgsl)
}

@group(0) @binding(0) var<uniform> hyper: Hyperparameters;
@group(1) @binding(0) var<uniform> values: Values;
@group(0) @binding(1) var<storage, read_write> weights: array<vec4f>;
@group(0) @binding(2) var<storage, read> grad: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> firstMoment: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> secondMoment: array<vec4f>;

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
  let m = hyper.beta1 * firstMoment[i] + (1.0 - hyper.beta1) * g;
  let v = hyper.beta2 * secondMoment[i] + (1.0 - hyper.beta2) * g * g;
  firstMoment[i] = m;
  secondMoment[i] = v;
  weights[i] = w - hyper.stepSize * m / (sqrt(v) / hyper.sqrtCorrection2 + hyper.eps);
}
