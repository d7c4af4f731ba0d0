// The benchmark's own logic, without a GPU or PyTorch: how the CPU peer's runs are summarised, the roofline check
// that fails a case above its bound, and the baseline kernel held fixed so `x plain` compares across commits.
import { describe, expect, it } from 'vitest';
import { BASELINE_FINGERPRINT, BASELINE_KERNEL } from '../bench/cases';
import { matmulShaders } from '../engine/internal';
import { blasImplementation, cpuPeerSetupWarnings, summarizeCpuPeerRuns, type CpuPeerRun } from '../bench/peer-torch';
import { cpuPeerFields, shaderFingerprint } from '../bench/results';
import { TRAIN_STEP_CASES, warmupDisagreement } from '../bench/train-step';
import { fastestLoadRates, loadsPerMultiplyAdd, rooflineGflops, rooflineViolations } from '../bench/roofline';
import type { MatmulPlan } from '../engine/internal';

const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so';
const REFERENCE_BLAS = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0';

/** One process's output as bench/peer_torch.py prints it, at `msPerStep`. */
function run(msPerStep: number, changes: Partial<CpuPeerRun> = {}): CpuPeerRun {
  return {
    ms_per_step: msPerStep,
    steps: 3,
    loss_after_warmup: 1.0005,
    after_warmup: { squares: [12.5, 0.25], moved: [0.5, 0.25] },
    torch: '1.13.0a0',
    threads: 2,
    interop_threads: 1,
    blas_info: 'generic',
    blas_libraries: [OPENBLAS],
    blas_threads: 2,
    env: { OMP_NUM_THREADS: '2' },
    other_cpu: 0.01,
    ...changes,
  };
}

describe('the CPU peer summary', () => {
  it('takes the median of the runs, their spread, and records threads, BLAS and environment', () => {
    const summary = summarizeCpuPeerRuns('train step large', [run(250), run(280), run(270)]);
    expect(1000 / summary.msPerStep).toBeCloseTo(1000 / 270, 10);
    expect(summary.stepsPerSecond).toEqual([4, 1000 / 280, 1000 / 270]);
    expect(summary.spread).toBeCloseTo((4 - 1000 / 280) / (1000 / 270), 10);
    expect(summary.unsteady).toBe(false);
    expect(summary.otherCpu).toBe(0.01);
    expect(summary.warnings).toEqual([]);
    expect(summary.setup).toEqual({
      torch: '1.13.0a0',
      threads: 2,
      interop_threads: 1,
      blas_info: 'generic',
      blas_libraries: [OPENBLAS],
      blas: 'openblas',
      blas_threads: 2,
      env: { OMP_NUM_THREADS: '2' },
    });
  });

  it('flags a spread over 20% and says so', () => {
    const summary = summarizeCpuPeerRuns('train step large', [run(250), run(320), run(270)]);
    expect(summary.spread).toBeGreaterThan(0.2);
    expect(summary.unsteady).toBe(true);
    expect(summary.warnings).toEqual([expect.stringMatching(/train step large: .* spread by 23\.6% \(over 20%\)/)]);
  });

  it('warns when other processes shared the cores, or when PyTorch ran on the reference BLAS', () => {
    const busy = summarizeCpuPeerRuns('train step large', [run(270), run(270, { other_cpu: 1.6 }), run(270)]);
    expect(busy.otherCpu).toBe(1.6);
    expect(busy.warnings).toEqual([expect.stringMatching(/other processes used 1\.60 cores/)]);
    const reference = summarizeCpuPeerRuns('train step large', [run(3600, { blas_libraries: [REFERENCE_BLAS], blas_threads: null })]);
    expect(reference.setup.blas).toBe('reference');
    expect(reference.warnings).toEqual([]); // the setup's, said once for the run
    expect(cpuPeerSetupWarnings(reference.setup)).toEqual([expect.stringMatching(/reference BLAS .*libblas\.so\.3\.11\.0/)]);
    expect(cpuPeerSetupWarnings(summarizeCpuPeerRuns('x', [run(270)]).setup)).toEqual([]);
  });

  it('refuses runs that disagree on their setup or their state after the warm-up', () => {
    expect(() => summarizeCpuPeerRuns('x', [run(270), run(270, { threads: 1 })])).toThrow(/setup/);
    expect(() => summarizeCpuPeerRuns('x', [run(270), run(270, { loss_after_warmup: 1.1 })])).toThrow(/different states/);
    expect(() => summarizeCpuPeerRuns('x', [run(270), run(270, { after_warmup: { squares: [12.5, 0.25], moved: [0.5, 0.2501] } })])).toThrow(
      /different states/,
    );
    const nearly = { squares: [12.5, 0.25 * (1 + 1e-7)], moved: [0.5, 0.25] };
    expect(summarizeCpuPeerRuns('x', [run(270), run(270, { after_warmup: nearly })]).afterWarmup.squares).toEqual([12.5, 0.25]);
    expect(() => summarizeCpuPeerRuns('x', [])).toThrow(/no CPU peer runs/);
  });

  it('names the BLAS from the libraries loaded', () => {
    expect(blasImplementation([OPENBLAS, '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'])).toBe('openblas');
    expect(blasImplementation([REFERENCE_BLAS])).toBe('reference');
    expect(blasImplementation(['/opt/intel/lib/libmkl_rt.so.2'])).toBe('mkl');
    expect(blasImplementation([])).toBe('unknown');
  });

  it('writes the median, every run, the spread and its flag into the case', () => {
    const fields = cpuPeerFields(summarizeCpuPeerRuns('train step large', [run(250), run(320), run(270)]), 0.365);
    expect(fields).toEqual({
      cpu_peer_steps_per_s: 3.704,
      ratio_to_cpu_peer: 0.09854,
      cpu_peer_runs: [4, 3.125, 3.704],
      cpu_peer_spread: 0.2362,
      cpu_peer_unsteady: true,
      cpu_peer_other_cpu: 0.01,
    });
  });
});

describe('the roofline', () => {
  const peak = { fma_gflops: 87.32, load_gfloats: 0.38, load_gvec4s: 0.1 };

  it('fails a case whose GFLOP/s exceed its own bound, and only such a case', () => {
    const violations = rooflineViolations([
      { name: 'square 256 plain', gflops: 1.86, roofline_gflops: 1.52 },
      { name: 'square 256 plan', gflops: 4.12, roofline_gflops: 23.4 },
      { name: 'square 512 plain', gflops: 1.52, roofline_gflops: 1.52 },
      { name: 'square 512 tiled', gflops: 3 },
    ]);
    expect(violations).toEqual(['square 256 plain: 1.86 GFLOP/s exceeds its roofline of 1.52 GFLOP/s (122%)']);
  });

  it('bounds the plain kernel by its 8 float loads per 16 multiply-adds, at the fastest rate the run measured', () => {
    const rates = fastestLoadRates({ floats: [0.36, 0.38, 0.3], vec4s: [0.1, 0.11] });
    expect(rates).toEqual({ load_gfloats: 0.38, load_gvec4s: 0.11 });
    const plain = loadsPerMultiplyAdd({ kernel: 'plain' } as MatmulPlan)!;
    expect(rooflineGflops(plain, { ...peak, ...rates })).toBeCloseTo(4 * 0.38, 10);
  });
});

describe('the baseline', () => {
  it('is the plain kernel as it was: a changed shader must change the pinned fingerprint, and bench/README', () => {
    expect(shaderFingerprint(matmulShaders[BASELINE_KERNEL].source)).toBe(BASELINE_FINGERPRINT);
  });

  it('fingerprints code, not comments or spacing', () => {
    const code = 'fn f(x: f32) -> f32 {\n  return x * 2.0;\n}\n';
    expect(shaderFingerprint(`// a comment\n${code}`)).toBe(shaderFingerprint(code.replace(/\n {2}/g, '\n    ')));
    expect(shaderFingerprint(code.replace('2.0', '3.0'))).not.toBe(shaderFingerprint(code));
  });
});

describe("a peer's state after the warm-up", () => {
  const mlp = TRAIN_STEP_CASES.find((c) => c.recipe.weightDecay > 0)!;
  const squares = [90, 30, 30, 30, 2, 0.02, 0.01, 0.01, 0.01, 0.001]; // W1..W5, b1..b5
  const moved = [0.4, 0.1, 0.1, 0.1, 0.05, 0.02, 0.01, 0.01, 0.01, 0.001]; // the biases start at zero
  const ours = { msPerStep: 1, steps: 1, metricsMs: 0, lossAfterWarmup: 0.7, afterWarmup: { squares, moved } };
  const peer = (changes: { lossAfterWarmup?: number; squares?: number[]; moved?: number[] }) => ({
    lossAfterWarmup: changes.lossAfterWarmup ?? 0.7,
    afterWarmup: { squares: changes.squares ?? squares, moved: changes.moved ?? moved },
  });
  const changed = (values: number[], index: number, factor: number) => values.map((value, i) => (i === index ? value * factor : value));

  it('agrees within float32 rounding', () => {
    const rounded = peer({ lossAfterWarmup: 0.7 * (1 + 1e-5), squares: changed(squares, 9, 1 - 1.2e-6), moved: changed(moved, 5, 1 + 4e-6) });
    expect(warmupDisagreement(mlp, 'peer', ours, rounded)).toBeNull();
  });

  it('differs when the loss does, a parameter is missing, the peer trained less, or it decays other parameters', () => {
    expect(warmupDisagreement(mlp, 'peer', ours, peer({ lossAfterWarmup: 0.71 }))).toMatch(/loss is 0.71/);
    expect(warmupDisagreement(mlp, 'peer', ours, peer({ squares: squares.slice(0, 5) }))).toMatch(/trains 5 parameters, we train 10/);
    // A step short: each weight matrix moved about (3/4)^2 as far.
    expect(warmupDisagreement(mlp, 'peer', ours, peer({ moved: moved.map((value) => value * 0.56) }))).toMatch(/W1's squared distance from the start/);
    // What a TF.js leaving the biases undecayed stood from us after the MNIST MLP's warm-up (bench/README.md).
    const undecayed = changed(squares, 9, 1 + 2.5e-5);
    expect(warmupDisagreement(mlp, 'peer', ours, peer({ squares: undecayed, moved: changed(moved, 9, 1 + 2.5e-5) }))).toMatch(/b5's sum of squares/);
  });

  it('comes after at most one epoch, the peers repeating the first epoch’s batches', () => {
    const miniBatched = TRAIN_STEP_CASES.filter((c) => c.recipe.batchSize > 0);
    expect(miniBatched.length).toBeGreaterThan(0);
    for (const c of miniBatched) expect(c.warmupSteps * c.recipe.batchSize, c.name).toBeLessThanOrEqual(c.samples);
  });
});
