// Where a matmul kernel sits on the roofline of a device whose loads, not its arithmetic, are the limit
// (SwiftShader: every invocation's load is its own gather): the most GFLOP/s its loads allow, given the
// measured load rates and the loads it issues per multiply-add, capped by the FMA peak. Broadcasts, address
// arithmetic and stores are left out, so a kernel reaching its roofline would be bound by loads alone.
// The float rate is measured with a fixed component (.x); the kernels' scalar loads pick theirs at run time,
// so for them the figure is an approximation.
import type { MatmulPlan } from '../engine';
import type { Peak } from './peak';

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
      for (const [blocks, vec4] of [[rowGroups, plan.constants.VEC4_A], [colBlocks, plan.constants.VEC4_B]] as const) {
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
export function rooflineGflops(mix: LoadMix, peak: Peak): number {
  const nsPerMultiplyAdd = mix.floats / peak.load_gfloats + mix.vec4s / peak.load_gvec4s;
  return Math.min(peak.fma_gflops, 2 / nsPerMultiplyAdd);
}
