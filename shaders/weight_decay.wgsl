// Included by the optimisers (//! include weight_decay.wgsl): weight decay lambda, coupled as torch.optim.SGD and
// Adam (lambda w added to the gradient) or DECOUPLED as AdamW (the weight shrunk by lr lambda directly).

override DECOUPLED: bool = false;

// Four weights and their gradients after weight decay: columns 0 and 1 are w and g.
fn decay4(w: vec4f, g: vec4f, learningRate: f32, weightDecay: f32) -> mat2x4f {
  if (DECOUPLED) {
    return mat2x4f(w * (1.0 - learningRate * weightDecay), g);
  }
  return mat2x4f(w, fma(vec4f(weightDecay), w, g));
}
