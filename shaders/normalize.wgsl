// Writes a vector scaled to unit length and records the length it had: one workgroup, a strided sum of squares per
// invocation, a tree in workgroup memory, then the scaling. For power iteration's vectors (thousands of entries),
// where one dispatch beats a reduction's several.

override COUNT: u32;
override WORKGROUP_SIZE: u32;  // a power of two

@group(0) @binding(0) var<storage, read> source: array<f32>;
@group(0) @binding(1) var<storage, read_write> unit: array<f32>;    // source / ||source||
@group(0) @binding(2) var<storage, read_write> length: array<f32>;  // [0]: ||source||

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lane: u32) {
  var squares = 0.0;
  for (var i = lane; i < COUNT; i += WORKGROUP_SIZE) {
    squares += source[i] * source[i];
  }
  partial[lane] = squares;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  let norm = sqrt(partial[0]);
  let scale = select(0.0, 1.0 / norm, norm > 0.0);
  for (var i = lane; i < COUNT; i += WORKGROUP_SIZE) {
    unit[i] = scale * source[i];
  }
  if (lane == 0u) {
    length[0] = norm;
  }
}
