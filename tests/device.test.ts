// Waiting on the device: results and errors come through Gpu.wait, and in Node the wait leaves the CPU to the device.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matmul } from '../engine';
import { useGpu } from './gpu';

const gpu = useGpu();

/** Milliseconds of CPU the calling thread has used (Linux: utime + stime, in clock ticks of 10 ms). */
function threadCpuMs(): number {
  const fields = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
  return 10 * (Number(fields[11]) + Number(fields[12]));
}

describe('waiting on the device', () => {
  it('passes a promise’s value and its rejection through', async () => {
    await expect(gpu().wait(Promise.resolve(42))).resolves.toBe(42);
    await expect(gpu().wait(Promise.reject(new Error('lost')))).rejects.toThrow('lost');
  });

  it('leaves the CPU to the device while a readback waits (Dawn’s Node binding would spin the waiting thread)', async () => {
    const g = gpu();
    const a = g.tensor([256, 256], new Float32Array(256 * 256).fill(0.5), 'a');
    await g.scope(() => matmul(a, a, { kernel: 'plain' })).read(); // compiled before the clock starts
    const products = Array.from({ length: 12 }, () => matmul(a, a, { kernel: 'plain' }));
    g.flush();
    const [cpuBefore, wallBefore] = [threadCpuMs(), performance.now()];
    const last = await products.at(-1)!.read();
    const [cpuMs, wallMs] = [threadCpuMs() - cpuBefore, performance.now() - wallBefore];
    expect(last[0]).toBeCloseTo(64, 3); // 256 products of 0.5 x 0.5
    expect(wallMs, 'the wait is long enough to tell').toBeGreaterThan(200);
    expect(cpuMs / wallMs, `${cpuMs} ms of CPU in ${wallMs.toFixed(0)} ms waiting`).toBeLessThan(0.25);
    for (const t of [a, ...products]) t.dispose();
  });
});
