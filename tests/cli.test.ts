// The command line as a user runs it (`npm start -- ...`, here the same command without the set-up hook):
// what it writes, that its weights round-trip through --init-weights, and how it refuses bad input.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile } from '../engine/io/npy-file';

const directory = mkdtempSync(join(tmpdir(), 'cli-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs bin/main.ts with `args`; resolves with the exit code and output, whatever the code. */
async function start(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = ['--import', 'tsx', '--import', './scripts/register-wgsl.mjs', 'bin/main.ts', ...args];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, command, { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm start', () => {
  const out = join(directory, 'run');

  it('trains, prints the table and fits, and writes metrics.json, the weights, the loss curve and the figures', async () => {
    const { code, stdout, stderr } = await start(['--steps', '300', '--depth', '4', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/layer\s+C\s+log10 C\s+D\s+NC1/);
    expect(stdout).toMatch(/log10 C_l = -?\d\.\d+ l/);
    expect(stderr).toMatch(/step \d+\/300\s+loss/); // the progress line

    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    for (const key of ['config', 'device', 'steps', 'final_loss', 'loss', 'layers', 'balancedness', 'fit']) expect(metrics).toHaveProperty(key);
    expect(metrics.config.depth).toBe(4);
    expect(metrics.layers).toHaveLength(4);
    for (const key of ['layer', 'C', 'D', 'NC1', 'trace_within', 'trace_between', 'rank']) expect(metrics.layers[0]).toHaveProperty(key);
    for (const key of ['log10C_slope', 'log10C_intercept', 'log10C_r2', 'compression_ratio', 'D_slope', 'D_r2']) expect(metrics.fit).toHaveProperty(key);
    expect(metrics.final_loss).toBe(metrics.loss.at(-1)[1]);
    for (const key of Object.keys(metrics)) expect(key, 'metrics.json keys are snake_case').toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
    expect(metrics.device.pipelines).toBeGreaterThan(0);
    expect(metrics.device.compile_seconds).toBeGreaterThan(0);
    expect(metrics.init_weights).toBeNull();

    const shapes = await Promise.all([1, 2, 3, 4].map(async (l) => (await readNpyFile(join(out, `W${l}.npy`))).shape));
    expect(shapes).toEqual([
      [50, 50],
      [50, 50],
      [50, 50],
      [3, 50],
    ]);
    expect(readFileSync(join(out, 'loss.csv'), 'utf8').split('\n')[0]).toBe('step,loss');
    expect(readdirSync(out).filter((file) => file.endsWith('.svg')).length).toBeGreaterThanOrEqual(3);
  });

  it("starts from saved weights: zero steps from a run's W*.npy measure what that run measured", async () => {
    const again = join(directory, 'again');
    const { code, stderr } = await start(['--init-weights', out, '--steps', '0', '--out', again]);
    expect(code, stderr).toBe(0);
    const [first, second] = [out, again].map((dir) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')));
    expect(second.config.depth).toBe(4);
    second.layers.forEach((layer: { C: number }, l: number) => expect(layer.C).toBeCloseTo(first.layers[l].C, 4));
  });

  it('refuses a malformed .npy, naming it, and leaves --out as it was', async () => {
    const bad = join(directory, 'bad.npy');
    writeFileSync(bad, 'not numpy at all');
    const kept = join(directory, 'kept');
    mkdirSync(kept);
    const { code, stderr } = await start(['--data', bad, '--labels', bad, '--out', kept]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.npy: not a \.npy file/);
    expect(readdirSync(kept)).toEqual([]);
  });

  it('refuses a size beyond the device, naming the flag, the size and the limit, and writes nothing', async () => {
    const huge = join(directory, 'huge');
    const { code, stderr } = await start(['--width', '2000000000', '--out', huge]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /error: --width 2000000000: an m x m matrix \(hidden weights, or W1 W1\^T in the metrics\) would take [\d.e+]+ GiB, over the device's max\w+ of [\d.]+ [GM]iB/,
    );
    expect(existsSync(huge)).toBe(false);
  });

  it('says so and stops with the last finite weights when the loss diverges', async () => {
    const diverged = join(directory, 'diverged');
    const { code, stderr } = await start(['--lr', '50', '--loss-every', '5', '--steps', '200', '--out', diverged]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/the loss became non-finite; kept the weights of step \d+/);
    const weights = await readNpyFile(join(diverged, 'W1.npy'));
    expect(Array.from(weights.data).every(Number.isFinite)).toBe(true);
    expect(existsSync(join(diverged, 'metrics.json'))).toBe(true);
  });

  it('--profile prints each kernel of one step with its share, and writes nothing', async () => {
    const profiled = join(directory, 'profiled');
    const { code, stdout, stderr } = await start(['--profile', '--depth', '3', '--out', profiled]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/steps: fused steps/);
    expect(stdout).toMatch(
      /one training step: [\d.]+ ms wall clock; its kernels, timed by \S+: [\d.]+ ms in sequence, each alone below\nkernel +shape +calls +ms +% of step +GFLOP\/s\ndln_step_quads\.wgsl/,
    );
    expect(existsSync(profiled)).toBe(false);
  });

  it('prints every flag for --help and refuses unknown ones', async () => {
    const help = await start(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--metrics-every 0');
    const unknown = await start(['--widht', '10']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--widht'/);
  });
});
