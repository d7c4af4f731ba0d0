// The gradient of batch normalisation with batch statistics (batchnorm_forward.wgsl), one invocation per column:
//   dx = invstd / N * (N * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat)),  dxhat = g * gamma,
//   dgamma = sum(g * xhat),  dbeta = sum(g).
//! include grid.wgsl

override ROWS: u32;
override COLS: u32;

@group(0) @binding(0) var<storage, read> gradOutput: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> saved: array<f32>;  // [mean | invstd] of the batch, from the forward pass
@group(0) @binding(4) var<storage, read_write> gradInput: array<f32>;
@group(0) @binding(5) var<storage, read_write> gradScale: array<f32>;
@group(0) @binding(6) var<storage, read_write> gradShift: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let col = id.x;
  if (col >= COLS) {
    return;
  }
  let mean = saved[col];
  let invstd = saved[COLS + col];
  var sumG = 0.0;
  var sumGXhat = 0.0;
  for (var row = 0u; row < ROWS; row++) {
    let i = row * COLS + col;
    sumG += gradOutput[i];
    sumGXhat += gradOutput[i] * (x[i] - mean) * invstd;
  }
  gradScale[col] = sumGXhat;
  gradShift[col] = sumG;
  let n = f32(ROWS);
  for (var row = 0u; row < ROWS; row++) {
    let i = row * COLS + col;
    let xhat = (x[i] - mean) * invstd;
    gradInput[i] = gamma[col] * invstd / n * (n * gradOutput[i] - sumG - xhat * sumGXhat);
  }
}
