// Per-column work on an N x COLS matrix (samples are rows): adding a bias row, and summing the rows
// (the bias's gradient). The host dispatches one invocation per output element (2-D grid when large).

const ADD_BIAS = 0u;     // out[i, j] = x[i, j] + bias[j]              (ROWS * COLS invocations)
const SUM_ROWS = 1u;     // out[j] = sum_i x[i, j]                     (COLS invocations)

override OP: u32;
override ROWS: u32;
override COLS: u32;
override WORKGROUP_SIZE: u32 = 64;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = id.x + id.y * groups.x * WORKGROUP_SIZE;
  if (OP == ADD_BIAS) {
    if (i < ROWS * COLS) {
      out[i] = x[i] + bias[i % COLS];
    }
    return;
  }
  if (i < COLS) {
    var total = 0.0;
    for (var row = 0u; row < ROWS; row++) {
      total += x[row * COLS + i];
    }
    out[i] = total;
  }
}
