// npm start -- [flags]: train a deep linear network on the GPU, measure every layer, write the results.
// With no flags it reproduces the reference configuration of METHOD.md. See --help.
// `sweep ...` runs a grid of such runs (bin/sweep.ts); `sweep report DIR` merges them (bin/sweep-report.ts).
// `paper ...` reproduces the paper's claims and writes a report (bin/paper.ts); `paper report DIR` merges its shards.
import { compileMark, Gpu, PROFILE_STEPS, profileStep, profileTable, runExperiment, TrainingSession, trainOptions, uploadExperiment } from '../engine';
import { helpText, parseCommandLine } from './flags';
import { chooseOutDir, writeRun } from './outputs';
import { describeRun, prepareRun, runContext, type PreparedRun } from './prepare';
import { Progress } from './progress';
import { paperHelp, parsePaper, runPaper } from './paper';
import { buildReport, verdictLines, writeReport } from './paper-report';
import { parseSweep, runSweep } from './sweep';
import { reportSweep } from './sweep-report';
import { fitSummary, layerTable } from './table';

async function main(args: string[]): Promise<number> {
  if (args[0] === 'sweep' && args[1] === 'report') {
    if (args.length !== 3) throw new Error('usage: npm start -- sweep report DIR');
    await reportSweep(args[2]);
    return 0;
  }
  if (args[0] === 'sweep') {
    const plan = parseSweep(args.slice(1));
    const trained = await runSweep(plan);
    console.log(
      `shard ${plan.shard.index}/${plan.shard.count}: trained ${trained} runs into ${plan.out}/runs; merge with: npm start -- sweep report ${plan.out}`,
    );
    return 0;
  }
  if (args[0] === 'paper') return paper(args.slice(1));
  const commandLine = parseCommandLine(args);
  if (commandLine.help) {
    console.log(helpText());
    return 0;
  }
  // Everything that can fail on bad input fails before --out is touched and before anything is allocated.
  const out = chooseOutDir(commandLine.out);
  const gpu = await Gpu.create();
  try {
    const prepared = await prepareRun(commandLine, gpu.device.limits);
    const { config, dataset, weights } = prepared;
    console.log(describeRun(prepared));
    if (commandLine.profile) {
      await profile(gpu, prepared);
      return 0;
    }
    const progress = new Progress(config.steps);
    const since = compileMark(gpu);
    const result = await runExperiment(gpu, dataset, weights, config, {
      onPath: (path) => console.log(`steps: ${path}`),
      onLoss: (step, loss, speed) => progress.update(step, loss, speed),
    });
    progress.done();
    console.log(`\n${layerTable(result.metrics)}\n\n${fitSummary(result.metrics)}\n`);
    await writeRun(out, config, runContext(prepared, gpu, since), result);
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

/** `paper [flags]`: train this shard's runs, then (unsharded) write the report; `paper report DIR`: the report alone. */
async function paper(args: string[]): Promise<number> {
  const reportOnly = args[0] === 'report';
  if (reportOnly && args.length !== 2) throw new Error('usage: npm start -- paper report DIR');
  const command = reportOnly ? null : parsePaper(args);
  if (command?.help) {
    console.log(paperHelp());
    return 0;
  }
  const started = performance.now();
  if (command) await runPaper(command);
  const dir = command?.out ?? args[1];
  if (command?.shard && command.shard !== '1/1') {
    console.log(`shard ${command.shard} done; once every shard is, write the report with: npm start -- paper report ${dir}`);
    return 0;
  }
  const report = await buildReport(dir);
  const written = await writeReport(dir, report);
  console.log(`\n${verdictLines(report).join('\n')}\n`);
  console.log(`wrote ${written.join(', ')} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

/**
 * --profile: one step to compile every kernel, a wait for the faster ones compiling in the background and one step
 * with them, then profileStep's (without the loss readback): one recorded, more for the wall clock, each kernel timed.
 */
async function profile(gpu: Gpu, { config, dataset, weights }: PreparedRun): Promise<void> {
  const uploaded = uploadExperiment(gpu, dataset, weights, config);
  const options = { ...trainOptions(config), steps: 2 + PROFILE_STEPS, tol: 0 }; // whatever the run's budget
  const session = new TrainingSession(gpu, uploaded.data, uploaded.network, options);
  try {
    console.log(`steps: ${session.path}`);
    await session.advance(1);
    await gpu.kernels.settled();
    await session.advance(1);
    console.log(profileTable(await profileStep(gpu, async () => session.encodeSteps(1))));
  } finally {
    session.dispose();
    uploaded.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exit(2);
  },
);
