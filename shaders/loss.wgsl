// Losses of a prediction (ROWS x COLS, one sample per row) against targets of the same shape (one-hot rows).
//   MSE_TERMS:     out[i] = (ALPHA * prediction[i] - targets[i])^2                  one invocation per element
//   MSE_BACKWARD:  out[i] = upstream[0] * 2 ALPHA / ROWS * (ALPHA * prediction[i] - targets[i])
//   CE_ROWS:       out[r] = logsumexp(z_r) * sum(y_r) - <y_r, z_r>   (= -sum_j y_rj log softmax(z_r)_j)
//   CE_BACKWARD:   out[r, j] = upstream[0] / ROWS * (softmax(z_r)_j * sum(y_r) - y_rj)   one invocation per row
// The host reduces MSE_TERMS and CE_ROWS with reduce.wgsl (SCALE = 1 / ROWS). Dispatch: one invocation per
// element or row, 2-D grid as elementwise.wgsl. Rows subtract their maximum first, so exp never overflows.

const MSE_TERMS = 0u;
const MSE_BACKWARD = 1u;
const CE_ROWS = 2u;
const CE_BACKWARD = 3u;

override MODE: u32;
override ROWS: u32;
override COLS: u32;
override ALPHA: f32 = 1.0;
override WORKGROUP_SIZE: u32 = 64;

@group(0) @binding(0) var<storage, read> prediction: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<f32>;
@group(0) @binding(2) var<storage, read> upstream: array<f32>;  // the loss's gradient (backward modes)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = id.x + id.y * groups.x * WORKGROUP_SIZE;
  switch MODE {
    case MSE_TERMS: {
      if (i < ROWS * COLS) {
        let residual = ALPHA * prediction[i] - targets[i];
        out[i] = residual * residual;
      }
    }
    case MSE_BACKWARD: {
      if (i < ROWS * COLS) {
        out[i] = upstream[0] * 2.0 * ALPHA / f32(ROWS) * (ALPHA * prediction[i] - targets[i]);
      }
    }
    case CE_ROWS: {
      if (i < ROWS) {
        let row = i * COLS;
        var targetSum = 0.0;
        var targetDotLogit = 0.0;
        for (var j = 0u; j < COLS; j++) {
          targetSum += targets[row + j];
          targetDotLogit += targets[row + j] * prediction[row + j];
        }
        out[i] = logSumExp(row) * targetSum - targetDotLogit;
      }
    }
    case CE_BACKWARD: {
      if (i < ROWS) {
        let row = i * COLS;
        let logNormaliser = logSumExp(row);
        var targetSum = 0.0;
        for (var j = 0u; j < COLS; j++) {
          targetSum += targets[row + j];
        }
        let factor = upstream[0] / f32(ROWS);
        for (var j = 0u; j < COLS; j++) {
          let probability = exp(prediction[row + j] - logNormaliser);
          out[row + j] = factor * (probability * targetSum - targets[row + j]);
        }
      }
    }
    default: {}
  }
}

fn logSumExp(row: u32) -> f32 {
  var largest = prediction[row];
  for (var j = 1u; j < COLS; j++) {
    largest = max(largest, prediction[row + j]);
  }
  var total = 0.0;
  for (var j = 0u; j < COLS; j++) {
    total += exp(prediction[row + j] - largest);
  }
  return largest + log(total);
}
