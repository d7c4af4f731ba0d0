// Feature geometry: one layer's features in 2-D, coloured by class, redrawn as the network trains.
import * as Plot from '@observablehq/plot';
import { compressionFigure } from '../engine/report';
import { show, startGpu } from './common';
import { buildControls, readControls } from './controls';
import { LiveRun } from './live-run';
import { planeCompression, project, type ProjectedPoint, type ProjectionKind } from './projection';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = element<HTMLFormElement>('controls');
const trainButton = element<HTMLButtonElement>('train');
const layerSlider = element<HTMLInputElement>('layer');
const projection = element<HTMLSelectElement>('projection');
const status = element('status');

function scatter(points: ProjectedPoint[], layer: number): SVGSVGElement {
  return Plot.plot({
    width: 520,
    height: 520,
    inset: 16,
    grid: true,
    aspectRatio: 1, // the same scale on both axes, so a collapsing class looks like one
    style: { background: 'white' },
    color: { type: 'categorical', legend: false },
    x: { label: 'direction 1' },
    y: { label: 'direction 2' },
    marks: [
      Plot.dot(points, { x: 'x', y: 'y', stroke: (p: ProjectedPoint) => `class ${p.label}`, r: 4 }),
      Plot.text([`layer ${layer}`], { frameAnchor: 'top-left', dx: 8, dy: 8, fontSize: 13 }),
    ],
  }) as SVGSVGElement;
}

async function main(): Promise<void> {
  buildControls(form);
  const gpu = await startGpu();
  if (!gpu) return;
  let run: LiveRun | null = null;
  let drawing = Promise.resolve();

  const drawFeatures = async () => {
    if (!run) return;
    const layer = Math.min(Number(layerSlider.value), run.config.depth - 1);
    const features = await run.session.readFeatures(layer);
    const width = features.length / run.dataset.labels.length;
    const points = project(features, width, run.dataset.labels, run.dataset.classes, projection.value as ProjectionKind);
    const planeC = planeCompression(points, run.dataset.classes);
    element('plane-c').textContent = planeC.toExponential(3);
    element('features-title').textContent = `Features of layer ${layer}, ${projection.selectedOptions[0].text}`;
    show('chart-features', scatter(points, layer));
    Object.assign(window, { geometry: { layer, planeC, points: points.length } });
  };
  const draw = () => {
    if (!run?.latest) return;
    element('step').textContent = String(run.session.step);
    element('loss').textContent = (run.session.losses.at(-1)?.[1] ?? Number.NaN).toExponential(3);
    element('speed').textContent = run.stepsPerSecond.toFixed(0);
    show('chart-layers', compressionFigure(run.latest, document));
    drawing = drawing.then(drawFeatures); // one readback at a time, in order
  };
  const reset = async () => {
    await run?.dispose();
    run = null;
    trainButton.textContent = 'Train';
    trainButton.disabled = false;
    status.textContent = 'Press Train.';
  };

  trainButton.addEventListener('click', async () => {
    if (run?.running) return run.stop();
    try {
      run ??= new LiveRun(gpu, readControls(form));
    } catch (error) {
      status.textContent = `Cannot train: ${(error as Error).message}`;
      return;
    }
    layerSlider.max = String(run.config.depth - 1);
    trainButton.textContent = 'Stop';
    status.textContent = 'Training…';
    await run.start(draw);
    await drawing;
    status.textContent = run.session.finished ? 'Done. Move the layer slider to compare layers.' : 'Stopped. Resume to go on.';
    trainButton.textContent = run.session.finished ? 'Train' : 'Resume';
    trainButton.disabled = run.session.finished;
  });
  element('reset').addEventListener('click', reset);
  element('preset').addEventListener('click', () => location.reload());
  form.addEventListener('change', (event) => {
    if (event.target === layerSlider || event.target === projection) drawing = drawing.then(drawFeatures);
    else reset();
  });
  layerSlider.addEventListener('input', () => (drawing = drawing.then(drawFeatures)));
  Object.assign(window, {
    demo: {
      get run() {
        return run;
      },
      redraw: () => (drawing = drawing.then(drawFeatures)),
    },
  });
}

main();
