// npm start -- [flags]: train a deep linear network on the GPU, measure every layer, write the results.
// With no flags it reproduces the reference configuration of METHOD.md. See --help.
import { Gpu } from '../engine/gpu';
import { initialWeights, runExperiment, syntheticDataset, checkConfig, type ExperimentConfig } from '../engine/experiment';
import { helpText, parseCommandLine } from './flags';
import { readDataset, readInitialWeights } from './inputs';
import { chooseOutDir, writeRun } from './outputs';
import { Progress } from './progress';
import { fitSummary, layerTable } from './table';

async function main(args: string[]): Promise<number> {
  const commandLine = parseCommandLine(args);
  if (commandLine.help) {
    console.log(helpText());
    return 0;
  }
  // Everything that can fail on bad input happens before the GPU starts and before --out is touched.
  const out = chooseOutDir(commandLine.out);
  const dataset = commandLine.data ? await readDataset(commandLine.data) : syntheticDataset(commandLine.config);
  const weights = commandLine.initWeights
    ? await readInitialWeights(commandLine.initWeights, dataset.inputs.cols, dataset.classes)
    : initialWeights(commandLine.config, dataset);
  const config: ExperimentConfig = {
    ...commandLine.config,
    samples: dataset.inputs.rows,
    dim: dataset.inputs.cols,
    classes: dataset.classes,
    depth: weights.length,
    width: weights[0].rows,
  };
  checkConfig(config, dataset.inputs.rows);
  const source = commandLine.data ? `${commandLine.data.features}, ${commandLine.data.labels}` : `synthetic ${config.dataset}`;
  console.log(`data: ${source}: N = ${config.samples}, d = ${config.dim}, K = ${config.classes}`);
  console.log(`network: L = ${config.depth} layers [${weights.map((w) => `${w.rows}x${w.cols}`).join(', ')}], init ${commandLine.initWeights ?? `${config.init} (eps ${config.eps})`}`);
  console.log(`training: ${config.loss}${config.loss === 'mse' ? ` (alpha ${config.alpha})` : ''}, lr ${config.lr} ${config.schedule}, ${config.batchSize ? `batch ${config.batchSize}` : 'full batch'}, up to ${config.steps} steps or loss < ${config.tol}`);

  const gpu = await Gpu.create();
  try {
    const progress = new Progress(config.steps);
    const result = await runExperiment(gpu, dataset, weights, config, { onLoss: (step, loss, speed) => progress.update(step, loss, speed) });
    progress.done();
    console.log(`\n${layerTable(result.metrics)}\n\n${fitSummary(result.metrics)}\n`);
    const context = { data: source, initWeights: commandLine.initWeights ?? null, device: { adapter: gpu.adapterName, software: gpu.software } };
    await writeRun(out, config, context, result);
    const ended = { tolerance: `reached loss < ${config.tol}`, budget: 'used the step budget', diverged: 'DIVERGED' }[result.stopReason];
    console.log(`${ended} after ${result.steps} steps in ${result.seconds.toFixed(1)} s; final loss ${result.finalLoss.toExponential(3)}`);
    console.log(`wrote ${out}/ (metrics.json, W1.npy..W${config.depth}.npy, loss.csv, figures)`);
    if (result.stopReason === 'diverged') {
      console.error(`error: the loss became non-finite; kept the weights of step ${result.losses.at(-1)?.[0] ?? 0}, the last finite loss. Try a smaller --lr.`);
      return 3;
    }
    return 0;
  } finally {
    gpu.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);
