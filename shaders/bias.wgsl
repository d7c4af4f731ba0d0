// Per-column work on an N x COLS matrix (samples are rows), one invocation per four consecutive outputs (a vec4); the
// op codes OP_* are generated from the table in engine/ops/bias.ts.
//   OP_ADD_BIAS:  out[i, j] = x[i, j] + bias[j]    (ceil(ROWS * COLS / 4) invocations)
//   OP_SUM_ROWS:  out[j] = sum_i x[i, j]           (ceil(COLS / 4) invocations): the bias's gradient
// The last vec4 may reach past the outputs into the buffer's padding (launch.ts, vec4Items): harmless.
//! include grid.wgsl

override OP: u32;
override ROWS: u32;
override COLS: u32;
override WHOLE_VEC4S: bool = COLS % 4u == 0u;  // rows are whole vec4s: one load per vec4, not four
override ROW_VEC4S: u32 = max(COLS / 4u, 1u);  // a row's vec4s when WHOLE_VEC4S (never 0: a constant division by 0 fails to compile)

@group(0) @binding(0) var<storage, read> x: array<vec4f>;
@group(0) @binding(1) var<storage, read> bias: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4f>;

fn scalar(values: ptr<storage, array<vec4f>, read>, index: u32) -> f32 {
  return (*values)[index / 4u][index % 4u];
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
          out[i] = x[i] + vec4f(scalar(&bias, first % COLS), scalar(&bias, (first + 1u) % COLS),
                                scalar(&bias, (first + 2u) % COLS), scalar(&bias, (first + 3u) % COLS));
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
            total += vec4f(scalar(&x, min(first, last)), scalar(&x, min(first + 1u, last)), scalar(&x, min(first + 2u, last)),
                           scalar(&x, min(first + 3u, last)));
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
