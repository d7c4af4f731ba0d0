// The home page: train the reference network (or any of its family) live and watch every layer compress.
import { deviceRecord, metricsJson, orthogonality, referenceConfig } from '../engine';
import { compressionFigure, compressionHistoryFigure, discriminationFigure, lossFigure, runFigures } from '../engine/report';
import { download, show, startGpu } from './common';
import { buildControls, readControls, setControls } from './controls';
import { LiveRun } from './live-run';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = element<HTMLFormElement>('controls');
const trainButton = element<HTMLButtonElement>('train');
const status = element('status');

async function main(): Promise<void> {
  buildControls(form);
  const gpu = await startGpu();
  if (!gpu) return;
  let run: LiveRun | null = null;

  const draw = () => {
    if (!run?.latest) return;
    const { session, latest, history } = run;
    const loss = session.losses.at(-1)?.[1] ?? Number.NaN;
    element('step').textContent = String(session.step);
    element('loss').textContent = loss.toExponential(3);
    element('speed').textContent = run.stepsPerSecond.toFixed(0);
    show('chart-loss', lossFigure(session.losses, document));
    show('chart-compression', compressionFigure(latest, document));
    show('chart-discrimination', discriminationFigure(latest, document));
    show('chart-history', compressionHistoryFigure(history, document));
  };

  const finished = () => {
    if (!run) return;
    const reason = { tolerance: `reached loss < ${run.config.tol}`, budget: 'used the step budget', diverged: 'the loss diverged: lower the learning rate' };
    status.textContent = run.session.stopReason ? `Done: ${reason[run.session.stopReason]}.` : 'Stopped. Resume to go on.';
    trainButton.textContent = run.session.finished ? 'Train' : 'Resume';
    trainButton.disabled = run.session.finished;
    for (const id of ['export-json', 'export-svg']) element<HTMLButtonElement>(id).disabled = false;
  };

  const reset = async () => {
    await run?.dispose();
    run = null;
    trainButton.textContent = 'Train';
    trainButton.disabled = false;
    status.textContent = 'Press Train.';
  };

  trainButton.addEventListener('click', async () => {
    if (run?.running) {
      await run.stop();
      return finished();
    }
    try {
      run ??= new LiveRun(gpu, readControls(form));
    } catch (error) {
      status.textContent = `Cannot train: ${(error as Error).message}`;
      return;
    }
    trainButton.textContent = 'Stop';
    status.textContent = 'Training…';
    await run.start(draw);
    finished();
  });
  element('reset').addEventListener('click', reset);
  element('preset').addEventListener('click', async () => {
    setControls(form, referenceConfig);
    await reset();
  });
  form.addEventListener('change', reset); // a new setting means a new run

  element('export-json').addEventListener('click', () => {
    if (!run?.latest) return;
    const { session, latest, history, config, dataset, seconds } = run;
    const context = {
      data: `synthetic ${config.dataset}`,
      data_orthogonality: orthogonality(dataset.inputs),
      init_weights: null,
      device: deviceRecord(gpu, run.compiledSince),
    };
    const report = { steps: session.step, stopReason: session.stopReason, seconds, losses: session.losses, metrics: latest, history };
    download('metrics.json', JSON.stringify(metricsJson(config, context, report), null, 2), 'application/json');
  });
  element('export-svg').addEventListener('click', () => {
    if (!run?.latest) return;
    const serializer = new XMLSerializer();
    for (const [name, svg] of Object.entries(runFigures({ metrics: run.latest, losses: run.session.losses, history: run.history }, document))) {
      download(name, serializer.serializeToString(svg), 'image/svg+xml');
    }
  });
  Object.assign(window, {
    demo: {
      get run() {
        return run;
      },
      gpu,
    },
  }); // for the browser tests and the curious console user
}

main();
