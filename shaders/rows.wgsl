// Included (//! include rows.wgsl) by the kernels over the rows of an R x COLS matrix read as vec4s (gather, bias).

override COLS: u32;
override WHOLE_VEC4S: bool = COLS % 4u == 0u;  // rows are whole vec4s: one load per vec4, not four
override ROW_VEC4S: u32 = max(COLS / 4u, 1u);  // a row's vec4s when WHOLE_VEC4S (never 0: a constant division by 0 fails to compile)
