// Bad input fails loudly, with a message that names the problem.
import { describe, expect, it } from 'vitest';
import { Adam, add, matmul, mseLoss, Sgd, sum, valueAndGrad } from '../engine';
import { elementwise, ELEMENTWISE_OPS } from '../engine/ops/elementwise';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCodes } from '../engine';
import { loadWgsl } from '../scripts/wgsl-module.mjs';
import { launchInto } from '../engine/internal';
import elementwiseShader from '../shaders/elementwise.wgsl';
import { poisonPool, useGpu } from './gpu';
import fillShader from '../shaders/fill.wgsl';

const gpu = useGpu();

describe('errors', () => {
  it('mismatched shapes name both shapes', () => {
    const a = gpu().tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = gpu().tensor([3, 2], [1, 2, 3, 4, 5, 6]);
    expect(() => add(a, b)).toThrow('add: shapes [2,3] and [3,2] differ');
    expect(() => matmul(a, a)).toThrow('matmul: inner dimensions differ: [2,3] x [2,3] (3 vs 2)');
    expect(() => mseLoss(a, b)).toThrow('mseLoss: shapes [2,3] and [3,2] differ');
    const optimiser = new Sgd([a], { learningRate: 0.1 });
    expect(() => optimiser.step([b])).toThrow('Sgd.step (tensor): shapes [2,3] and [3,2] differ');
    // The optimisers' hyper-parameters are held to the settings table's ranges.
    expect(() => new Sgd([a], { learningRate: 0.1, momentum: 1 })).toThrow('Sgd: momentum must be a number in [0, 1), got 1');
    expect(() => new Adam([a], { learningRate: 0.1, beta2: 1 })).toThrow('Adam: beta2 must be a number in [0, 1), got 1');
    expect(() => new Adam([a], { learningRate: -1 })).toThrow('Adam: lr must be a finite number > 0, got -1');
  });

  it('empty tensors and bad shapes are refused', () => {
    expect(() => gpu().tensor([0, 3])).toThrow('tensor: empty tensor of shape [0,3] has no elements');
    expect(() => gpu().tensor([2, 1.5])).toThrow('invalid shape [2,1.5]');
    expect(() => gpu().tensor([2, 2], [1, 2, 3], 'x')).toThrow('x: data has 3 values but shape [2,2] needs 4');
  });

  it('NaN and Inf in input data are refused with their index', () => {
    expect(() => gpu().tensor([3], [1, Number.NaN, 3], 'data')).toThrow('data: data contains NaN at index 1; tensors must be finite');
    expect(() => gpu().tensor([2], [Number.POSITIVE_INFINITY, 0], 'data')).toThrow('data contains Infinity at index 0');
  });

  it('a disposed tensor cannot be used, and reading it says so', async () => {
    const t = gpu().tensor([2, 2], [1, 2, 3, 4], 'weights');
    t.dispose();
    expect(() => add(t, t)).toThrow('tensor "weights" [2,2] was used after dispose()');
    await expect(t.read()).rejects.toThrow('was used after dispose()');
    t.dispose(); // twice is harmless
  });

  it('valueAndGrad wants a one-element loss and at least one parameter', () => {
    const w = gpu().tensor([2, 2], [1, 2, 3, 4], 'w');
    expect(() => valueAndGrad([w], () => add(w, w))).toThrow('valueAndGrad: the loss must have one element, got shape [2,2]');
    expect(() => valueAndGrad([], () => sum(w))).toThrow('valueAndGrad: no parameters given');
  });

  it('a WGSL compilation error throws with the compiler message, the file and its line, and the device stays usable', async () => {
    const g = gpu();
    const broken = {
      name: 'broken.wgsl',
      source: '// line 1\n@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = ;\n}\n',
      sections: [{ name: 'broken.wgsl', firstLine: 1 }],
    };
    const t = g.tensor([1], [1]);
    g.dispatch(g.kernel(broken), [], [1]); // used before anyone knows it is broken, as an op would use it
    await expect(t.read()).rejects.toThrow(/WGSL: broken\.wgsl \{\} does not compile:\n  broken\.wgsl:4:\d+ missing initializer/);
    expect(Array.from(await t.read())).toEqual([1]); // the device is still usable afterwards
    g.kernel(broken); // asked for again, it compiles again and says so again
    await expect(t.read()).rejects.toThrow(/broken\.wgsl:4:\d+ missing initializer/);
    expect(Array.from(await t.read())).toEqual([1]);
  });

  it('names the included file and its line, through the loader and through generated codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgsl-'));
    try {
      writeFileSync(join(dir, 'part.wgsl'), '// part\nfn helper() -> f32 {\n  return undefinedName;\n}\n');
      writeFileSync(join(dir, 'main.wgsl'), '// main\n//! include part.wgsl\n@compute @workgroup_size(1)\nfn main() {\n  _ = helper();\n}');
      const { shader } = loadWgsl(join(dir, 'main.wgsl'), readFileSync(join(dir, 'main.wgsl'), 'utf8'));
      const g = gpu();
      const t = g.tensor([1], [1]);
      g.kernel(withCodes(shader, 'OP', ['first']));
      await expect(t.read()).rejects.toThrow(/part\.wgsl:3:\d+ .*undefinedName/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WGSL_PRINT prints each shader, with its constants, before it compiles', () => {
    const printed: string[] = [];
    const info = console.info;
    console.info = (line: string) => printed.push(line);
    Object.assign(globalThis, { WGSL_PRINT: true });
    try {
      gpu().kernel(fillShader, { WORKGROUP_SIZE: 48 }); // a size nothing else asks for: compiled here
    } finally {
      Object.assign(globalThis, { WGSL_PRINT: undefined });
      console.info = info;
    }
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\/\/ fill\.wgsl \{"WORKGROUP_SIZE":48\}\n\/\/ out\[i\] = value/);
    expect(printed[0]).toContain('fn itemIndex('); // the included grid.wgsl comes with it
  });

  it('an op code the shader has no case for writes NaN over every item, never the stale memory of a pooled buffer', async () => {
    const g = gpu();
    const shader = withCodes(elementwiseShader, 'OP', [...ELEMENTWISE_OPS, 'notInTheShader']);
    const a = g.tensor([100], new Float32Array(100).fill(2));
    poisonPool(g, 100, 7); // what a missing write would leave
    const out = launchInto(g, shader, [100], 'out', {
      inputs: [a, a],
      constants: { OP: ELEMENTWISE_OPS.length },
      values: { factor: 1, count: 100 },
      items: 100,
    });
    expect(Array.from(await out.read()).every(Number.isNaN)).toBe(true);
    a.dispose();
    out.dispose();
  });

  it('an elementwise op the table lacks is refused, not a silent no-op', () => {
    const a = gpu().tensor([2], [1, 2]);
    expect(() => elementwise('frobnicate' as never, a, a)).toThrow(/elementwise: unknown op 'frobnicate'; the ops are add, sub/);
  });
});
