// Where a matmul kernel sits on the roofline of a device whose loads, not its arithmetic, are the limit
// (SwiftShader: every invocation's load is its own gather): the most GFLOP/s its loads allow, given the
// load rates and the loads it issues per multiply-add, capped by the FMA peak. The rates are those of a matmul's
// own loads without its multiply-adds (shaders/peak_load.wgsl: the plain kernel's floats, the subgroup kernel's
// vec4 blocks), the fastest of the run's measurements (before the cases and after each); swaps, address
// arithmetic and stores are left out. So it is a bound: a kernel above it is measuring something other than
// what it claims, and the run fails (rooflineViolations).
// The subgroup kernel's guarded scalar loads (rows not a multiple of 4 long) are counted at the float rate.
import type { MatmulPlan, LoadRates, Peak } from '../engine/internal';

/** Loads per multiply-add in a kernel's inner loop, by width. */
export interface LoadMix {
  floats: number;
  vec4s: number;
}

/** The loads a plan's kernel issues per multiply-add; null for the tiled kernel, which reads workgroup memory. */
export function loadsPerMultiplyAdd(plan: MatmulPlan): LoadMix | null {
  switch (plan.kernel) {
    case 'plain': // per k: 4 floats of op(A) and 4 of op(B) for a 4 x 4 block
      return { floats: 8 / 16, vec4s: 0 };
    case 'subgroup': {
      // per lane and 4 k: a 4 x 4 block of op(A) per row group, of op(B) per column block, as 4 vec4s or 16 floats
      const { rowGroups, colBlocks } = plan.quadBlock!;
      const multiplyAdds = 256 * rowGroups * colBlocks;
      const mix = { floats: 0, vec4s: 0 };
      for (const [blocks, vec4] of [
        [rowGroups, plan.constants.VEC4_A],
        [colBlocks, plan.constants.VEC4_B],
      ] as const) {
        if (vec4) mix.vec4s += (4 * blocks) / multiplyAdds;
        else mix.floats += (16 * blocks) / multiplyAdds;
      }
      return mix;
    }
    case 'tiled':
      return null;
    default:
      return plan.kernel satisfies never;
  }
}

/** The GFLOP/s the loads allow (two flops per multiply-add), never above the FMA peak. */
export function rooflineGflops(mix: LoadMix, peak: Pick<Peak, 'fma_gflops'> & LoadRates): number {
  const nsPerMultiplyAdd = mix.floats / peak.load_gfloats + mix.vec4s / peak.load_gvec4s;
  return Math.min(peak.fma_gflops, 2 / nsPerMultiplyAdd);
}

/** A case's figure beside its bound, as the results file holds them. */
export interface RooflineFigure {
  name: string;
  gflops: number;
  roofline_gflops?: number;
}

/** One message per case whose GFLOP/s exceed its own roofline: a bound that a kernel beats is no bound. */
export function rooflineViolations(cases: RooflineFigure[]): string[] {
  return cases
    .filter((c) => c.roofline_gflops !== undefined && c.gflops > c.roofline_gflops)
    .map((c) => `${c.name}: ${c.gflops} GFLOP/s exceeds its roofline of ${c.roofline_gflops} GFLOP/s (${((100 * c.gflops) / c.roofline_gflops!).toFixed(0)}%)`);
}

/** Every measurement of the load rates in a run, by width, in 10^9 loads per second. */
export interface LoadSamples {
  floats: number[];
  vec4s: number[];
}

/** The fastest of the run's measurements: the bound is the most the loads were seen to allow. */
export function fastestLoadRates(samples: LoadSamples): LoadRates {
  return { load_gfloats: Math.max(...samples.floats), load_gvec4s: Math.max(...samples.vec4s) };
}
