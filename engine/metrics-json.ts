// metrics.json, the file every run writes (the command line's --out, the home page's download): its keys are the
// documented snake_case ones, and this type is their one definition.
import type { Orthogonality } from './data/orthogonality';
import type { Gpu } from './gpu';
import type { ExperimentConfig } from './settings';
import type { LayerFits } from './metrics/fits';
import type { LayerMetrics, NetworkMetrics } from './metrics/layers';
import type { ProbeAccuracy } from './metrics/probe';
import type { TrainResult } from './train';

/**
 * Where the data and weights came from, and the device: the pipelines the run compiled and the seconds creating
 * them took (on the host; a browser returns from creation before its compile is done, so there it says less), and
 * of those, the ones compiled in the background (faster matmul blocks; engine/ops/matmul-plan.ts) and the
 * wall-clock seconds until each landed, while the run went on.
 */
export interface RunContext {
  data: string;
  /** How nearly orthogonal the samples are (METHOD.md); null where not measured. */
  data_orthogonality: Orthogonality | null;
  init_weights: string | null;
  device: {
    adapter: string;
    software: boolean;
    pipelines: number;
    compile_seconds: number;
    background_pipelines: number;
    background_compile_seconds: number;
  };
}

/** The device's compile counters, taken as a run starts so that deviceRecord() reports that run's alone. */
export const compileMark = ({ kernels }: Gpu) => ({
  pipelines: kernels.compiled,
  seconds: kernels.compileSeconds,
  background: kernels.backgroundCompiled,
  backgroundSeconds: kernels.backgroundSeconds,
});

export function deviceRecord(gpu: Gpu, since: ReturnType<typeof compileMark>): RunContext['device'] {
  const now = compileMark(gpu);
  return {
    adapter: gpu.adapterName,
    software: gpu.software,
    pipelines: now.pipelines - since.pipelines,
    compile_seconds: now.seconds - since.seconds,
    background_pipelines: now.background - since.background,
    background_compile_seconds: now.backgroundSeconds - since.backgroundSeconds,
  };
}

export interface MetricsJson extends RunContext {
  config: ExperimentConfig;
  steps: number;
  stop_reason: TrainResult['stopReason'] | null;
  seconds: number;
  final_loss: number | null;
  /** [step, loss] at every readback. */
  loss: [number, number][];
  layers: LayerMetrics[];
  balancedness: number[];
  singular_values: number[][];
  nc3: number | null;
  nc4: number | null;
  fit: LayerFits;
  probe?: ({ layer: number } & ProbeAccuracy)[];
  separability?: number[];
  pvector_angles?: { step: number; angles: number[] }[];
  history: { step: number; layers: LayerMetrics[]; fit: LayerFits; separability?: number[] }[];
}

/** What a run has to report, as the training loop and the analyses name it. */
export interface RunReport {
  steps: number;
  stopReason: TrainResult['stopReason'] | null;
  seconds: number;
  losses: [number, number][];
  metrics: NetworkMetrics;
  history: { step: number; metrics: NetworkMetrics; separability?: number[] }[];
  probe?: ({ layer: number } & ProbeAccuracy)[];
  separability?: number[];
  pvectorAngles?: { step: number; angles: number[] }[];
}

export function metricsJson(config: ExperimentConfig, context: RunContext, run: RunReport): MetricsJson {
  const { metrics } = run;
  return {
    config,
    ...context,
    steps: run.steps,
    stop_reason: run.stopReason,
    seconds: run.seconds,
    final_loss: run.losses.at(-1)?.[1] ?? null,
    loss: run.losses,
    layers: metrics.layers,
    balancedness: metrics.balancedness,
    singular_values: metrics.singular_values,
    nc3: metrics.nc3 ?? null,
    nc4: metrics.nc4 ?? null,
    fit: metrics.fit,
    ...(run.probe ? { probe: run.probe } : {}),
    ...(run.separability ? { separability: run.separability } : {}),
    ...(run.pvectorAngles ? { pvector_angles: run.pvectorAngles } : {}),
    history: run.history.map(({ step, metrics, separability }) => ({
      step,
      layers: metrics.layers,
      fit: metrics.fit,
      ...(separability ? { separability } : {}),
    })),
  };
}
