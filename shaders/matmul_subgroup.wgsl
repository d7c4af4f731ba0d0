// Subgroup matmul for CPU-like devices (SwiftShader): C (M x N) = op(A) (M x K) * op(B) (K x N), row-major f32.
// A is stored M x K, or K x M when TRANSPOSE_A; B is stored K x N, or N x K when TRANSPOSE_B.
//
// On a software GPU every load costs a nanosecond or more per invocation, tens of multiply-adds, and
// workgroup memory is no cheaper than storage. So operands are shared through registers instead, and each
// invocation computes as large a block of C as pays: the four invocations of a quad (quad operations: any
// subgroup size >= 4) compute a (16 ROW_GROUPS) x (16 COL_BLOCKS) block. Lane l owns columns
// 4 COL_BLOCKS l .. 4 COL_BLOCKS (l + 1) - 1 of it, as COL_BLOCKS vec4 sums per row. Per step of 4 k it loads,
// for each group of 16 rows, the 4 x 4 block of op(A) at rows 4l .. 4l+3 (each row then reaches the other three
// lanes by quad swaps), and the COL_BLOCKS 4 x 4 blocks of op(B) for its own columns. Per lane and step:
// 4 (ROW_GROUPS + COL_BLOCKS) vec4 loads and 12 ROW_GROUPS vec4 swaps for 256 ROW_GROUPS COL_BLOCKS
// multiply-adds; with 2 x 4 that is 21 multiply-adds per float loaded, against 8 with 1 x 1 and 2 in the plain
// 4 x 4 kernel. Measured at 256..1024 in headless Chromium on SwiftShader, 1 x 1 / 1 x 4 / 2 x 2 / 2 x 4 take
// about 1 / 0.82 / 0.76 / 0.66 of the time, and their pipelines 0.15 / 0.5 / 0.7 / 2 s to compile. Larger
// blocks were left out: 4 x 4 ran 7-9% faster than 2 x 4 at 1024..2048 but took 8-10 s to compile; 2 x 8 and 4 x 8 gained
// nothing. The host picks the block per shape, weighing run time against compile time (matmul-plan.ts).
// When the stored rows are multiples of 4 long (VEC4_A: K, or M when transposed; VEC4_B: N, or K when
// transposed) blocks come in as aligned vec4 loads; otherwise as guarded scalars.
//
// The sums live in arrays indexed only by constants, written out, never in loops: the compiler then keeps
// them as separate values; a loop with a variable index puts them in memory (8 times slower, measured).
//
// Host: a workgroup is QUADS_X * QUADS_Y quads (4 * QUADS_X * QUADS_Y invocations) covering a
// (16 ROW_GROUPS QUADS_Y) x (16 COL_BLOCKS QUADS_X) tile of C; dispatch ceil(N / (16 COL_BLOCKS QUADS_X)) x
// ceil(M / (16 ROW_GROUPS QUADS_Y)). With the default one quad per workgroup the quad is the whole workgroup;
// with more, quads are taken to be invocations 4q .. 4q+3 of the workgroup (subgroups of consecutive
// invocations, as everywhere we know). Buffers are read as vec4s: their bound sizes must be multiples of 16 bytes.
// Every lane runs the whole loop (outside the matrix it reads zeros): swaps need the full quad.
// SYMMETRIC workgroups wholly below the diagonal return at once (per workgroup, so no quad is left partial);
// the rest write their upper-triangle entries and mirror them, at stride N, below the diagonal.
enable subgroups;
//! include matmul_common.wgsl

override VEC4_A: bool = false;  // rows of the stored A are a multiple of 4 floats long
override VEC4_B: bool = false;  // rows of the stored B are a multiple of 4 floats long
override ROW_GROUPS: u32 = 1;  // 1 or 2 groups of 16 rows per quad; nothing else is computed right
override COL_BLOCKS: u32 = 1;  // 1, 2 or 4 vec4 column blocks per lane; likewise (the host checks)
override QUADS_X: u32 = 1;
override QUADS_Y: u32 = 1;
override WORKGROUP_SIZE: u32 = 4u * QUADS_X * QUADS_Y;  // derived, never set: webgpu-utils, which lays out `values`, cannot parse an expression in @workgroup_size

@group(0) @binding(0) var<storage, read> a: array<vec4f>;
@group(0) @binding(1) var<storage, read> b: array<vec4f>;

// op(A)[row, k], zero outside the matrix. The load itself may fall past the matrix: the buffer is
// bound whole and WebGPU clamps indices, so a select (no branch, which software GPUs pay for) suffices.
fn readA(row: u32, k: u32) -> f32 {
  let M = values.M;
  let K = values.K;
  let index = select(row * K + k, k * M + row, TRANSPOSE_A);
  return select(0.0, a[index / 4u][index % 4u], (row < M) & (k < K));
}

fn readB(k: u32, col: u32) -> f32 {
  let N = values.N;
  let K = values.K;
  let index = select(k * N + col, col * K + k, TRANSPOSE_B);
  return select(0.0, b[index / 4u][index % 4u], (k < K) & (col < N));
}

// Stored A's floats index .. index + 3 (index a multiple of 4), zero when `inside` is false.
fn readA4(index: u32, inside: bool) -> vec4f {
  return select(vec4f(0.0), a[index / 4u], inside);
}

fn readB4(index: u32, inside: bool) -> vec4f {
  return select(vec4f(0.0), b[index / 4u], inside);
}

// op(A)[row .. row + 3, k .. k + 3] with row and k multiples of 4; column i holds row `row + i`.
fn readABlock(row: u32, k: u32) -> mat4x4f {
  let M = values.M;
  let K = values.K;
  if (VEC4_A && TRANSPOSE_A) {  // four rows of the stored K x M matrix, then a register transpose
    let rows = mat4x4f(readA4(k * M + row, (k < K) & (row < M)), readA4((k + 1u) * M + row, (k + 1u < K) & (row < M)),
                       readA4((k + 2u) * M + row, (k + 2u < K) & (row < M)), readA4((k + 3u) * M + row, (k + 3u < K) & (row < M)));
    return transpose(rows);
  }
  if (VEC4_A) {
    return mat4x4f(readA4(row * K + k, (row < M) & (k < K)), readA4((row + 1u) * K + k, (row + 1u < M) & (k < K)),
                   readA4((row + 2u) * K + k, (row + 2u < M) & (k < K)), readA4((row + 3u) * K + k, (row + 3u < M) & (k < K)));
  }
  return mat4x4f(
    vec4f(readA(row, k), readA(row, k + 1u), readA(row, k + 2u), readA(row, k + 3u)),
    vec4f(readA(row + 1u, k), readA(row + 1u, k + 1u), readA(row + 1u, k + 2u), readA(row + 1u, k + 3u)),
    vec4f(readA(row + 2u, k), readA(row + 2u, k + 1u), readA(row + 2u, k + 2u), readA(row + 2u, k + 3u)),
    vec4f(readA(row + 3u, k), readA(row + 3u, k + 1u), readA(row + 3u, k + 2u), readA(row + 3u, k + 3u)));
}

// op(B)[k .. k + 3, col .. col + 3] with k and col multiples of 4; column j holds op(B) row `k + j`.
fn readBBlock(k: u32, col: u32) -> mat4x4f {
  let N = values.N;
  let K = values.K;
  if (VEC4_B && TRANSPOSE_B) {  // four rows of the stored N x K matrix, then a register transpose
    let cols = mat4x4f(readB4(col * K + k, (col < N) & (k < K)), readB4((col + 1u) * K + k, (col + 1u < N) & (k < K)),
                       readB4((col + 2u) * K + k, (col + 2u < N) & (k < K)), readB4((col + 3u) * K + k, (col + 3u < N) & (k < K)));
    return transpose(cols);
  }
  if (VEC4_B) {
    return mat4x4f(readB4(k * N + col, (k < K) & (col < N)), readB4((k + 1u) * N + col, (k + 1u < K) & (col < N)),
                   readB4((k + 2u) * N + col, (k + 2u < K) & (col < N)), readB4((k + 3u) * N + col, (k + 3u < K) & (col < N)));
  }
  return mat4x4f(
    vec4f(readB(k, col), readB(k, col + 1u), readB(k, col + 2u), readB(k, col + 3u)),
    vec4f(readB(k + 1u, col), readB(k + 1u, col + 1u), readB(k + 1u, col + 2u), readB(k + 1u, col + 3u)),
    vec4f(readB(k + 2u, col), readB(k + 2u, col + 1u), readB(k + 2u, col + 2u), readB(k + 2u, col + 3u)),
    vec4f(readB(k + 3u, col), readB(k + 3u, col + 1u), readB(k + 3u, col + 2u), readB(k + 3u, col + 3u)));
}

// One row of a lane's sums: columns col .. col + 4 COL_BLOCKS - 1, the members past COL_BLOCKS unused.
struct RowSums { c0: vec4f, c1: vec4f, c2: vec4f, c3: vec4f }
// op(B)[k .. k + 3, col + 4 j .. col + 4 j + 3] as member j, laid out as readBBlock returns it.
struct BlocksB { m0: mat4x4f, m1: mat4x4f, m2: mat4x4f, m3: mat4x4f }

fn readBlocksB(k: u32, col: u32) -> BlocksB {
  var blocks: BlocksB;
  blocks.m0 = readBBlock(k, col);
  if (COL_BLOCKS > 1u) {
    blocks.m1 = readBBlock(k, col + 4u);
  }
  if (COL_BLOCKS > 2u) {
    blocks.m2 = readBBlock(k, col + 8u);
    blocks.m3 = readBBlock(k, col + 12u);
  }
  return blocks;
}

// sums + a * op(B)[k .. k + 3, the lane's columns], a being one row of op(A)[., k .. k + 3].
fn accumulate(sums: RowSums, a: vec4f, blocksB: BlocksB) -> RowSums {
  var next = sums;
  next.c0 += blocksB.m0 * a;
  if (COL_BLOCKS > 1u) {
    next.c1 += blocksB.m1 * a;
  }
  if (COL_BLOCKS > 2u) {
    next.c2 += blocksB.m2 * a;
    next.c3 += blocksB.m3 * a;
  }
  return next;
}

// Column i of the four lanes' ownA, in this lane's order: its own, then lanes l ^ 1, l ^ 2, l ^ 3.
fn quadColumns(own: vec4f) -> mat4x4f {
  return mat4x4f(own, quadSwapX(own), quadSwapY(own), quadSwapDiagonal(own));
}

// One step of 4 k for a group of 16 rows. Row 4 m + i of the group lives in lane m, column i of its ownA; each lane
// takes the four rows of column i from itself and by quad swaps from lanes l ^ 1, l ^ 2, l ^ 3: three shuffles
// where broadcasts from lanes 0..3 would take four (5-17% faster, measured). So slot 4 s + i of a lane's sums
// holds row 4 (l ^ s) + i.
fn accumulateGroup(rows: ptr<function, array<RowSums, 16>>, ownA: mat4x4f, blocksB: BlocksB) {
  let column0 = quadColumns(ownA[0]);
  let column1 = quadColumns(ownA[1]);
  let column2 = quadColumns(ownA[2]);
  let column3 = quadColumns(ownA[3]);
  (*rows)[0] = accumulate((*rows)[0], column0[0], blocksB);
  (*rows)[1] = accumulate((*rows)[1], column1[0], blocksB);
  (*rows)[2] = accumulate((*rows)[2], column2[0], blocksB);
  (*rows)[3] = accumulate((*rows)[3], column3[0], blocksB);
  (*rows)[4] = accumulate((*rows)[4], column0[1], blocksB);
  (*rows)[5] = accumulate((*rows)[5], column1[1], blocksB);
  (*rows)[6] = accumulate((*rows)[6], column2[1], blocksB);
  (*rows)[7] = accumulate((*rows)[7], column3[1], blocksB);
  (*rows)[8] = accumulate((*rows)[8], column0[2], blocksB);
  (*rows)[9] = accumulate((*rows)[9], column1[2], blocksB);
  (*rows)[10] = accumulate((*rows)[10], column2[2], blocksB);
  (*rows)[11] = accumulate((*rows)[11], column3[2], blocksB);
  (*rows)[12] = accumulate((*rows)[12], column0[3], blocksB);
  (*rows)[13] = accumulate((*rows)[13], column1[3], blocksB);
  (*rows)[14] = accumulate((*rows)[14], column2[3], blocksB);
  (*rows)[15] = accumulate((*rows)[15], column3[3], blocksB);
}

fn writeRow(row: u32, col: u32, sums: RowSums) {
  writeC4(row, col, sums.c0);
  if (COL_BLOCKS > 1u) {
    writeC4(row, col + 4u, sums.c1);
  }
  if (COL_BLOCKS > 2u) {
    writeC4(row, col + 8u, sums.c2);
    writeC4(row, col + 12u, sums.c3);
  }
}

// Writes a group's sums: slot 4 s + i holds row 4 (lane ^ s) + i (see accumulateGroup).
fn writeGroup(row0: u32, col: u32, rows: ptr<function, array<RowSums, 16>>, lane: u32) {
  writeRow(row0 + 4u * (lane ^ 0u) + 0u, col, (*rows)[0]);
  writeRow(row0 + 4u * (lane ^ 0u) + 1u, col, (*rows)[1]);
  writeRow(row0 + 4u * (lane ^ 0u) + 2u, col, (*rows)[2]);
  writeRow(row0 + 4u * (lane ^ 0u) + 3u, col, (*rows)[3]);
  writeRow(row0 + 4u * (lane ^ 1u) + 0u, col, (*rows)[4]);
  writeRow(row0 + 4u * (lane ^ 1u) + 1u, col, (*rows)[5]);
  writeRow(row0 + 4u * (lane ^ 1u) + 2u, col, (*rows)[6]);
  writeRow(row0 + 4u * (lane ^ 1u) + 3u, col, (*rows)[7]);
  writeRow(row0 + 4u * (lane ^ 2u) + 0u, col, (*rows)[8]);
  writeRow(row0 + 4u * (lane ^ 2u) + 1u, col, (*rows)[9]);
  writeRow(row0 + 4u * (lane ^ 2u) + 2u, col, (*rows)[10]);
  writeRow(row0 + 4u * (lane ^ 2u) + 3u, col, (*rows)[11]);
  writeRow(row0 + 4u * (lane ^ 3u) + 0u, col, (*rows)[12]);
  writeRow(row0 + 4u * (lane ^ 3u) + 1u, col, (*rows)[13]);
  writeRow(row0 + 4u * (lane ^ 3u) + 2u, col, (*rows)[14]);
  writeRow(row0 + 4u * (lane ^ 3u) + 3u, col, (*rows)[15]);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32,
        @builtin(subgroup_invocation_id) subgroupLane: u32) {
  let K = values.K;
  let blockRows = 16u * ROW_GROUPS;
  let blockCols = 16u * COL_BLOCKS;
  if (SYMMETRIC && group.y * blockRows * QUADS_Y >= (group.x + 1u) * blockCols * QUADS_X) {  // the tile lies below the diagonal
    return;
  }
  let lane = subgroupLane % 4u;
  let quad = local / 4u;
  let row0 = (group.y * QUADS_Y + quad / QUADS_X) * blockRows;  // this quad's block of C
  let col = (group.x * QUADS_X + quad % QUADS_X) * blockCols + 4u * COL_BLOCKS * lane;  // this lane's first column
  var group0: array<RowSums, 16>;  // rows row0 .. row0 + 15
  var group1: array<RowSums, 16>;  // rows row0 + 16 .. row0 + 31, when ROW_GROUPS = 2
  for (var k = 0u; k < K; k += 4u) {
    let blocksB = readBlocksB(k, col);
    accumulateGroup(&group0, readABlock(row0 + 4u * lane, k), blocksB);
    if (ROW_GROUPS > 1u) {
      accumulateGroup(&group1, readABlock(row0 + 16u + 4u * lane, k), blocksB);
    }
  }
  writeGroup(row0, col, &group0, lane);
  if (ROW_GROUPS > 1u) {
    writeGroup(row0 + 16u, col, &group1, lane);
  }
}
