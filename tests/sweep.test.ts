// Sweeps: the grid, the shards, resuming, and a two-shard sweep merged into exactly the unsharded one.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSweep, runSweep, shardRuns, sweepRuns } from '../bin/sweep';
import { reportSweep } from '../bin/sweep-report';

const directory = mkdtempSync(join(tmpdir(), 'sweep-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const quiet = () => {};
const grid = (out: string, ...more: string[]) => ['--grid', 'depth=3,4', '--grid', 'seed=0..1', '--steps', '60', '--tol', '0', '--out', out, ...more];

describe('sweep', () => {
  it('lists the grid with the last axis fastest, and shards it without overlap or gap', () => {
    const runs = sweepRuns(parseSweep(grid('x')).axes);
    expect(runs.map((run) => run.name)).toEqual(['depth-3_seed-0', 'depth-3_seed-1', 'depth-4_seed-0', 'depth-4_seed-1']);
    const shards = [1, 2, 3].map((index) => shardRuns(runs, { index, count: 3 }).map((run) => run.name));
    expect(shards.flat().sort()).toEqual(runs.map((run) => run.name).sort());
    expect(shards[0]).toEqual(['depth-3_seed-0', 'depth-4_seed-1']);
  });

  it.each([
    [['--grid', 'depth=3', '--steps', '5'], /--out DIR is required/],
    [['--out', 'x'], /at least one --grid/],
    [['--grid', 'depth=3,x', '--out', 'x'], /--depth must be an integer in 1..10000, got 'x'/],
    [['--grid', 'colour=red', '--out', 'x'], /colour: not a setting/],
    [['--grid', 'depth=3', '--shard', '3/2', '--out', 'x'], /--shard 3\/2: expected i\/n with 1 <= i <= n/],
  ])('refuses %j', (args, message) => {
    expect(() => parseSweep(args)).toThrow(message);
  });

  it('merges two shards into the same summary as one unsharded sweep, and resumes without redoing runs', async () => {
    const [whole, sharded] = [join(directory, 'whole'), join(directory, 'sharded')];
    expect(await runSweep(parseSweep(grid(whole)), quiet)).toBe(4);
    expect(await runSweep(parseSweep(grid(sharded, '--shard', '1/2')), quiet)).toBe(2);
    const partial = await reportSweep(sharded, quiet);
    expect(partial.missing).toEqual(['depth-3_seed-1', 'depth-4_seed-1']);
    expect(await runSweep(parseSweep(grid(sharded, '--shard', '2/2')), quiet)).toBe(2);
    expect(await runSweep(parseSweep(grid(sharded, '--shard', '2/2')), quiet)).toBe(0); // resumed: nothing left

    const [a, b] = [await reportSweep(whole, quiet), await reportSweep(sharded, quiet)];
    expect(b).toEqual(a);
    expect(a.missing).toEqual([]);
    expect(a.groups.map((group) => [group.settings.depth, group.count])).toEqual([
      ['3', 2],
      ['4', 2],
    ]);
    const rhoOfDepth4 = a.runs.filter((run) => run.settings.depth === '4').map((run) => run.compression_ratio);
    expect(a.groups[1].mean.compression_ratio).toBeCloseTo((rhoOfDepth4[0]! + rhoOfDepth4[1]!) / 2, 12);
    expect(readFileSync(join(whole, 'summary.csv'), 'utf8').split('\n')[0]).toBe(
      'depth,seed,steps,stop_reason,final_loss,log10C_slope,log10C_r2,compression_ratio,D_slope,D_r2',
    );
    expect(existsSync(join(whole, 'summary.svg'))).toBe(true);
  });

  it('counts diverged runs apart, leaves them out of the means, and reports no R^2 from two layers', async () => {
    const out = join(directory, 'diverged');
    await runSweep(parseSweep(['--grid', 'lr=0.01,1000', '--grid', 'seed=0,1', '--depth', '2', '--steps', '40', '--tol', '0', '--out', out]), quiet);
    const lines: string[] = [];
    const summary = await reportSweep(out, (line) => lines.push(line));
    expect(summary.diverged).toEqual(['lr-1000_seed-0', 'lr-1000_seed-1']);
    const [trained, diverged] = summary.groups;
    expect([trained.count, trained.diverged, diverged.count, diverged.diverged]).toEqual([2, 0, 0, 2]);
    expect(trained.mean.compression_ratio).toBeGreaterThan(0);
    expect(trained.mean.log10C_r2).toBeNull(); // depth 2: two layers in the fit
    expect(Object.values(diverged.mean)).toEqual(Array(6).fill(null));
    expect(lines.find((line) => line.startsWith('1000\t'))).toBe('1000\t0\t2\tn/a\tn/a\tn/a\tn/a');
    expect(lines).toContain('n/a (lr-0.01_seed-0, lr-0.01_seed-1): R^2 needs at least 3 layers; the fit has 2, through which any line passes');
    expect(lines).toContain('diverged, so left out of the means (try a smaller --lr): lr-1000_seed-0, lr-1000_seed-1');
  });

  it('refuses to mix another grid into a sweep folder', async () => {
    const out = join(directory, 'mixed');
    await runSweep(parseSweep(['--grid', 'depth=3', '--steps', '5', '--out', out]), quiet);
    await expect(runSweep(parseSweep(['--grid', 'depth=4', '--steps', '5', '--out', out]), quiet)).rejects.toThrow(/holds a different sweep/);
    writeFileSync(join(directory, 'empty.txt'), '');
    await expect(reportSweep(directory, quiet)).rejects.toThrow(/no sweep\.json here/);
  });
});
