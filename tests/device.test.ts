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
    try {
      g.scope(() => matmul(a, a, { kernel: 'plain' })).dispose(); // compiled before the clock starts
      // Products queued until their last one's readback waits long enough to tell (a real GPU needs thousands).
      for (let count = 12; ; count *= 4) {
        g.scope(() => {
          for (let i = 0; i < count; i++) matmul(a, a, { kernel: 'plain' }); // disposed at the scope's end, their work still queued
        });
        const last = g.scope(() => matmul(a, a, { kernel: 'plain' }));
        g.flush();
        const [cpuBefore, wallBefore] = [threadCpuMs(), performance.now()];
        const values = await last.read();
        const [cpuMs, wallMs] = [threadCpuMs() - cpuBefore, performance.now() - wallBefore];
        last.dispose();
        expect(values[0]).toBeCloseTo(64, 3); // 256 products of 0.5 x 0.5
        if (wallMs < 200 && count < 1 << 16) continue;
        expect(wallMs, 'the wait is long enough to tell').toBeGreaterThan(200);
        expect(cpuMs / wallMs, `${cpuMs} ms of CPU in ${wallMs.toFixed(0)} ms waiting`).toBeLessThan(0.25);
        break;
      }
    } finally {
      a.dispose();
    }
  });
});
