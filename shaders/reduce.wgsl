// Sum reduction: each workgroup adds ITEMS * WORKGROUP_SIZE consecutive elements of `input` (a strided loop,
// then a tree in workgroup memory, which keeps float32 rounding error at O(log n)) and writes
// factor * its sum to output[workgroup]. The host dispatches ceil(COUNT / (ITEMS * WORKGROUP_SIZE)) workgroups
// (2-D when large) and repeats on the partial sums until one value is left, with a factor other than 1 only last.

struct Values {
  factor: f32,
}

override COUNT: u32;
override WORKGROUP_SIZE: u32;  // a power of two
override ITEMS: u32 = 8;

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;
@group(1) @binding(0) var<uniform> values: Values;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32,
        @builtin(num_workgroups) groups: vec3u) {
  let groupIndex = group.x + group.y * groups.x;
  let start = groupIndex * ITEMS * WORKGROUP_SIZE + lane;
  var sum = 0.0;
  for (var item = 0u; item < ITEMS; item++) {
    let i = start + item * WORKGROUP_SIZE;
    sum += select(0.0, input[min(i, COUNT - 1u)], i < COUNT); // no branch: branches are slow on CPU backends
  }
  partial[lane] = sum;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    output[groupIndex] = values.factor * partial[0];
  }
}
