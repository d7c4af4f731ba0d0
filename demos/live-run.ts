// A training run driven by a page: chunks of steps between repaints, metrics after each chunk, stop and resume.
import {
  compileMark,
  type Dataset,
  type ExperimentConfig,
  type Gpu,
  initialWeights,
  type NetworkMetrics,
  syntheticDataset,
  TrainingSession,
  trainOptions,
  type UploadedExperiment,
  uploadExperiment,
} from '../engine';
import { nextFrame } from './common';

/** How long one chunk of training should take: long enough to amortise the readback, short enough to feel live. */
const CHUNK_MILLISECONDS = 150;

export class LiveRun {
  readonly dataset: Dataset;
  readonly session: TrainingSession;
  /** Metrics after every chunk, the step they were taken at first. */
  readonly history: { step: number; metrics: NetworkMetrics }[] = [];
  /** The device's compile counters as the run started, so its metrics.json counts its own pipelines. */
  readonly compiledSince: ReturnType<typeof compileMark>;
  /** Seconds spent training and measuring so far. */
  seconds = 0;
  stepsPerSecond = 0;
  private readonly uploaded: UploadedExperiment;
  private chunk = 5;
  private loop: Promise<void> | null = null;
  private stopRequested = false;

  constructor(
    private readonly gpu: Gpu,
    readonly config: ExperimentConfig,
  ) {
    this.compiledSince = compileMark(gpu);
    this.dataset = syntheticDataset(config);
    this.uploaded = uploadExperiment(gpu, this.dataset, initialWeights(config, this.dataset), config);
    this.session = new TrainingSession(gpu, this.uploaded.data, this.uploaded.network, trainOptions(config));
  }

  get running(): boolean {
    return this.loop !== null;
  }

  get latest(): NetworkMetrics | undefined {
    return this.history.at(-1)?.metrics;
  }

  /** Trains until stopped or finished, calling `onUpdate` after every chunk (and once at the start). */
  start(onUpdate: () => void): Promise<void> {
    if (this.loop) return this.loop;
    this.stopRequested = false;
    this.loop = this.trainInChunks(onUpdate).finally(() => (this.loop = null));
    return this.loop;
  }

  /** Resolves once the chunk in flight has finished. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.loop;
  }

  /** Frees the run's tensors and gives their memory back to the device (Gpu.trim): the page may train for hours. */
  async dispose(): Promise<void> {
    await this.stop();
    this.session.dispose();
    this.uploaded.dispose();
    this.gpu.trim();
  }

  private async trainInChunks(onUpdate: () => void): Promise<void> {
    if (this.session.losses.length === 0) {
      await this.session.advance(0);
      this.history.push({ step: 0, metrics: await this.session.measure() });
      onUpdate();
    }
    while (!this.stopRequested && !this.session.finished) {
      const started = { time: performance.now(), step: this.session.step };
      await this.session.advance(this.chunk);
      this.history.push({ step: this.session.step, metrics: await this.session.measure() });
      const elapsed = Math.max(performance.now() - started.time, 1);
      this.seconds += elapsed / 1000;
      this.stepsPerSecond = ((this.session.step - started.step) * 1000) / elapsed;
      this.chunk = Math.min(500, Math.max(1, Math.round((this.chunk * CHUNK_MILLISECONDS) / elapsed)));
      onUpdate();
      await nextFrame();
    }
  }
}
