// Per-column work on an N x COLS matrix (samples are rows), one invocation per output element; the op codes OP_*
// are generated from the table in engine/ops/bias.ts.
//   OP_ADD_BIAS:  out[i, j] = x[i, j] + bias[j]    (ROWS * COLS invocations)
//   OP_SUM_ROWS:  out[j] = sum_i x[i, j]           (COLS invocations): the bias's gradient
//! include grid.wgsl

override OP: u32;
override ROWS: u32;
override COLS: u32;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  switch OP {
    case OP_ADD_BIAS: {
      if (i < ROWS * COLS) {
        out[i] = x[i] + bias[i % COLS];
      }
    }
    case OP_SUM_ROWS: {
      if (i < COLS) {
        var total = 0.0;
        for (var row = 0u; row < ROWS; row++) {
          total += x[row * COLS + i];
        }
        out[i] = total;
      }
    }
    default: {  // a code the table has and this switch lacks: NaN at each item, never stale memory
      if (i < COLS) {
        out[i] = poison(i);
      }
    }
  }
}
