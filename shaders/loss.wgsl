// Losses of a prediction (ROWS x COLS, one sample per row) against targets of the same shape (one-hot rows).
// The modes MODE_* are generated from the table in engine/ops/loss.ts; alpha is the MSE's feature multiplier.
//   MODE_MSE_TERMS:                out[i] = (alpha * prediction[i] - targets[i])^2       one invocation per element
//   MODE_MSE_BACKWARD:             out[i] = upstream[0] * 2 alpha / ROWS * (alpha * prediction[i] - targets[i])
//   MODE_CROSS_ENTROPY_ROWS:       out[r] = logsumexp(z_r) * sum(y_r) - <y_r, z_r>  (= -sum_j y_rj log softmax(z_r)_j)
//   MODE_CROSS_ENTROPY_BACKWARD:   out[r, j] = upstream[0] / ROWS * (softmax(z_r)_j * sum(y_r) - y_rj)   one per row
// The host reduces the terms and rows with reduce.wgsl (factor 1 / ROWS). Rows subtract their maximum first, so exp
// never overflows.
//! include grid.wgsl

struct Values {
  alpha: f32,
}

override MODE: u32;
override ROWS: u32;
override COLS: u32;

@group(0) @binding(0) var<storage, read> prediction: array<f32>;
@group(0) @binding(1) var<storage, read> targets: array<f32>;
@group(0) @binding(2) var<storage, read> upstream: array<f32>;  // the loss's gradient (backward modes)
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(1) @binding(0) var<uniform> values: Values;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  let alpha = values.alpha;
  switch MODE {
    case MODE_MSE_TERMS: {
      if (i < ROWS * COLS) {
        let residual = alpha * prediction[i] - targets[i];
        out[i] = residual * residual;
      }
    }
    case MODE_MSE_BACKWARD: {
      if (i < ROWS * COLS) {
        out[i] = upstream[0] * 2.0 * alpha / f32(ROWS) * (alpha * prediction[i] - targets[i]);
      }
    }
    case MODE_CROSS_ENTROPY_ROWS: {
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
    case MODE_CROSS_ENTROPY_BACKWARD: {
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
    default: {  // a code the table has and this switch lacks: NaN, never stale memory
      if (i < ROWS * COLS) {
        out[i] = poison(i);
      }
    }
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
