// The per-kernel profile of a step: its dispatches recorded, grouped by kernel and shape, timed alone and in sequence.
import { describe, expect, it } from 'vitest';
import { matmul, profileStep, profileTable, scale } from '../engine';
import { useGpu } from './gpu';

const gpu = useGpu();

describe('profile', () => {
  it('groups a step’s dispatches by kernel and shape, counts the calls, and rates the matmuls by 2 M N K', async () => {
    const g = gpu();
    const a = g.tensor([64, 32], new Float32Array(64 * 32).fill(0.5));
    const b = g.tensor([32, 48], new Float32Array(32 * 48).fill(0.25));
    const step = async () =>
      g.scope(() => {
        const c = matmul(a, b); // 64 x 48
        matmul(a, b);
        scale(c, 3);
        scale(c, -1); // another value, the same kernel and shape
      });
    await step(); // compiles
    const profile = await profileStep(g, step, 20);
    const byKernel = Object.fromEntries(profile.rows.map((row) => [row.kernel, row]));
    expect(profile.rows).toHaveLength(2);
    expect(byKernel['elementwise.wgsl']).toMatchObject({ calls: 2, gflops: null, shape: 'count=3072 OP=3' });
    const product = byKernel[profile.rows.find((row) => row.kernel.startsWith('matmul'))!.kernel];
    expect(product.calls).toBe(2);
    expect(product.shape).toMatch(/^M=64 N=48 K=32\b/);
    expect(product.gflops).toBeCloseTo((2 * 2 * 64 * 48 * 32) / product.ms / 1e6, 9);
    for (const row of profile.rows) expect(row.ms).toBeGreaterThan(0);
    expect(profile.rows[0].ms).toBeGreaterThanOrEqual(profile.rows[1].ms);
    const kernelMs = profile.rows.reduce((sum, row) => sum + row.ms, 0);
    expect(profile.sequenceMs, 'the four dispatches in sequence take about what they take alone').toBeGreaterThan(kernelMs / 2);
    expect(profile.sequenceMs).toBeLessThan(kernelMs * 2);
    const table = profileTable(profile);
    expect(table).toMatch(
      /^one training step: [\d.]+ ms wall clock; its kernels, timed by (timestamp-query|wall-clock): [\d.]+ ms in sequence, each alone below\nkernel/,
    );
    expect(table).toMatch(/\n\(in sequence, beyond alone\) +-?[\d.]+ +-?[\d.]+ +-\n\(rest: host, uploads, submits\) +-?[\d.]+ +-?[\d.]+ +-$/);
    expect(g.recording).toBeNull();
    a.dispose();
    b.dispose();
  });
});
