// Per-column work on an N x COLS matrix (samples are rows), four consecutive outputs (a vec4) per invocation
// (grid.wgsl); the op codes OP_* are generated from the table in engine/ops/bias.ts.
//   OP_ADD_BIAS:  out[i, j] = x[i, j] + bias[j]    (ceil(ROWS * COLS / 4) invocations)
//   OP_SUM_ROWS:  out[j] = sum_i x[i, j]           (ceil(COLS / 4) invocations): the bias's gradient
//! include grid.wgsl
//! include rows.wgsl

override OP: u32;
override ROWS: u32;

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> bias: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;

fn xAt(index: u32) -> f32 {
  return x[index / 4u][index % 4u];
}

fn biasAt(column: u32) -> f32 {
  return bias[column / 4u][column % 4u];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = itemIndex(id, groups);
  switch OP {
    case OP_ADD_BIAS: {
      if (4u * i < ROWS * COLS) {
        if (WHOLE_VEC4S) {
          out[i] = x[i] + bias[i % ROW_VEC4S];
        } else {
          let first = 4u * i;
          out[i] = x[i] + vec4f(biasAt(first % COLS), biasAt((first + 1u) % COLS), biasAt((first + 2u) % COLS), biasAt((first + 3u) % COLS));
        }
      }
    }
    case OP_SUM_ROWS: {
      if (4u * i < COLS) {
        var total = vec4f(0.0);
        for (var row = 0u; row < ROWS; row++) {
          if (WHOLE_VEC4S) {
            total += x[row * ROW_VEC4S + i];
          } else {
            let first = row * COLS + 4u * i;  // columns past COLS are padding; clamped to stay inside the matrix
            let last = ROWS * COLS - 1u;
            total += vec4f(xAt(min(first, last)), xAt(min(first + 1u, last)), xAt(min(first + 2u, last)), xAt(min(first + 3u, last)));
          }
        }
        out[i] = total;
      }
    }
    default: {  // a code the table has and this switch lacks: NaN at each item, never stale memory
      if (4u * i < COLS) {
        out[i] = vec4f(poison(i));
      }
    }
  }
}
