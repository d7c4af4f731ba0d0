// A ReLU layer's backward before its products (linear in engine/ops/matmul.ts): the gradient at the pre-activation,
// g = G * (y > 0) with y the layer's output, written out, and the bias's gradient, g's column sums, in one dispatch
// instead of two (on a software GPU a dispatch costs more than this one's arithmetic). As sumRows in bias.wgsl, four
// columns (a vec4) per invocation (grid.wgsl), down every row.
//! include grid.wgsl
//! include rows.wgsl

override ROWS: u32;

@group(0) @binding(0) var<storage, read> gradOutput: array<vec4f>;
@group(0) @binding(1) var<storage, read> y: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;  // floats: a row's vec4s may start mid-row (COLS % 4 != 0)
@group(0) @binding(3) var<storage, read_write> biasGrad: array<vec4f>;

fn gradOutputAt(index: u32) -> f32 {
  return gradOutput[index / 4u][index % 4u];
}

fn yAt(index: u32) -> f32 {
  return y[index / 4u][index % 4u];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  if (4u * i >= COLS) {
    return;
  }
  var total = vec4f(0.0);
  for (var row = 0u; row < ROWS; row++) {
    let first = row * COLS + 4u * i;
    var masked: vec4f;
    if (WHOLE_VEC4S) {
      masked = select(vec4f(0.0), gradOutput[first / 4u], y[first / 4u] > vec4f(0.0));
    } else {  // columns past COLS are padding: read clamped inside the matrix, never written
      let last = ROWS * COLS - 1u;
      let index = min(vec4u(first) + vec4u(0u, 1u, 2u, 3u), vec4u(last));
      let outputs = vec4f(yAt(index.x), yAt(index.y), yAt(index.z), yAt(index.w));
      let grads = vec4f(gradOutputAt(index.x), gradOutputAt(index.y), gradOutputAt(index.z), gradOutputAt(index.w));
      masked = select(vec4f(0.0), grads, outputs > vec4f(0.0));
    }
    for (var j = 0u; j < 4u; j++) {
      if (4u * i + j < COLS) {
        g[first + j] = masked[j];
      }
    }
    total += masked;
  }
  biasGrad[i] = total;
}
