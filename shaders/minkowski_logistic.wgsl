// The gradient of the Minkowski-difference logistic loss (engine/metrics/separability.ts) with respect to each
// sample's score s_ip = w_p . z_i, for every pair p = (a, b) of classes at once, without forming a difference:
//   loss_p = mean over i in a, j in b of softplus(-f_p (s_ip - s_jp))
//   d loss_p / d s_ip = -(f_p / (n_a n_b)) sum_j sigmoid(-f_p (s_ip - s_jp))   for i in a,
//                       +(f_p / (n_a n_b)) sum_i sigmoid(-f_p (s_ip - s_jp))   for j in b, 0 otherwise.
// One invocation per pair and quad of samples of one class (`quads`: each class's members four at a time, its last
// four padded with -1), looping over the other class's members. Invocations run pair by pair and, within a pair, class
// by class: neighbouring invocations then share the pair and the class, so a SIMD group's lanes run the same loop over
// the same scores (on a CPU, divergent lanes run every lane's loop, masked), and each score loaded serves four
// samples. Integers are stored as f32 (exact below 2^24). The host dispatches ceil(QUADS * PAIRS / WORKGROUP_SIZE)
// workgroups, 2-D when large.
//! include grid.wgsl

override QUADS: u32;
override PAIRS: u32;

@group(0) @binding(0) var<storage, read> scores: array<f32>;       // samples x PAIRS
@group(0) @binding(1) var<storage, read> labels: array<f32>;       // each sample's class
@group(0) @binding(2) var<storage, read> members: array<f32>;      // sample indices grouped by class
@group(0) @binding(3) var<storage, read> classStart: array<f32>;   // class k: members[classStart[k] .. classStart[k + 1]]
@group(0) @binding(4) var<storage, read> pairs: array<vec4f>;      // (class a, class b, scale f_p, unused)
@group(0) @binding(5) var<storage, read> quads: array<vec4f>;      // QUADS quads of one class's sample indices, or -1
@group(0) @binding(6) var<storage, read_write> coefficients: array<f32>;  // samples x PAIRS: d loss_p / d s_ip

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let index = itemIndex(id, groups);
  if (index >= QUADS * PAIRS) {
    return;
  }
  let p = index / QUADS;
  let quad = quads[index % QUADS];
  let real = quad >= vec4f(0.0);
  let samples = vec4u(max(quad, vec4f(0.0)));  // padding reads sample 0's score and writes nothing
  let pair = pairs[p];
  let a = u32(pair.x);
  let b = u32(pair.y);
  let scale = pair.z;
  let label = u32(labels[samples.x]);  // a quad's first member is never padding
  var coefficient = vec4f(0.0);
  if (label == a || label == b) {
    let inA = label == a;
    let other = select(a, b, inA);
    let own = vec4f(scores[samples.x * PAIRS + p], scores[samples.y * PAIRS + p], scores[samples.z * PAIRS + p], scores[samples.w * PAIRS + p]);
    var total = vec4f(0.0);
    for (var m = u32(classStart[other]); m < u32(classStart[other + 1u]); m++) {
      let theirs = scores[u32(members[m]) * PAIRS + p];
      let margin = scale * select(theirs - own, own - theirs, inA);
      total += 1.0 / (1.0 + exp(margin)); // sigmoid(-margin)
    }
    let pairCount = (classStart[a + 1u] - classStart[a]) * (classStart[b + 1u] - classStart[b]);
    coefficient = select(1.0, -1.0, inA) * scale / pairCount * total;
  }
  for (var i = 0u; i < 4u; i++) {
    if (real[i]) {
      coefficients[samples[i] * PAIRS + p] = coefficient[i];
    }
  }
}
