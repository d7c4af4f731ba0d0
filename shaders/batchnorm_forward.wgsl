// Batch normalisation over the rows (samples) of an N x COLS matrix, one invocation per column (feature).
// Training: mean and biased variance of the batch, two passes (never E[x^2] - mean^2); the running
// statistics move by MOMENTUM towards the batch's (with the unbiased variance, as PyTorch), unless the pass only
// reports (UPDATE_RUNNING false: the loss read back between steps). Evaluation: the running statistics.
// Backward: batchnorm_backward.wgsl.
//! include grid.wgsl

override ROWS: u32;
override COLS: u32;
override EPS: f32 = 1e-5;
override MOMENTUM: f32 = 0.1;
override TRAINING: bool = true;
override UPDATE_RUNNING: bool = true;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> saved: array<f32>;    // [mean | invstd] of the batch, for backward
@group(0) @binding(5) var<storage, read_write> running: array<f32>;  // [mean | variance], across batches

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let col = id.x;
  if (col >= COLS) {
    return;
  }
  var mean = running[col];
  var variance = running[COLS + col];
  if (TRAINING) {
    var total = 0.0;
    for (var row = 0u; row < ROWS; row++) {
      total += x[row * COLS + col];
    }
    mean = total / f32(ROWS);
    var squares = 0.0;
    for (var row = 0u; row < ROWS; row++) {
      let deviation = x[row * COLS + col] - mean;
      squares += deviation * deviation;
    }
    variance = squares / f32(ROWS);
    let unbiased = squares / f32(max(ROWS, 2u) - 1u);
    if (UPDATE_RUNNING) {
      running[col] = mix(running[col], mean, MOMENTUM);
      running[COLS + col] = mix(running[COLS + col], unbiased, MOMENTUM);
    }
  }
  let invstd = inverseSqrt(variance + EPS);
  saved[col] = mean;
  saved[COLS + col] = invstd;
  for (var row = 0u; row < ROWS; row++) {
    let i = row * COLS + col;
    y[i] = gamma[col] * (x[i] - mean) * invstd + beta[col];
  }
}
