// Runs the engine in the browser on inputs the Node test sends, and hands back what it computed.
import { Gpu, matmul, mseLoss, valueAndGrad } from '../../engine';

export interface BrowserRunInput {
  inputs: { shape: [number, number]; data: number[] };
  targets: { shape: [number, number]; data: number[] };
  weights: { shape: [number, number]; data: number[] }[];
  alpha: number;
}

export interface BrowserRunOutput {
  adapterName: string;
  loss: number;
  grads: number[][];
}

async function run(input: BrowserRunInput): Promise<BrowserRunOutput> {
  const gpu = await Gpu.create();
  const inputs = gpu.tensor(input.inputs.shape, input.inputs.data);
  const targets = gpu.tensor(input.targets.shape, input.targets.data);
  const weights = input.weights.map((w, l) => gpu.tensor(w.shape, w.data, `W${l + 1}`));
  const forward = () => weights.reduce((z, w) => matmul(z, w, { transposeB: true }), inputs);
  const { loss, grads } = valueAndGrad(weights, () => mseLoss(forward(), targets, input.alpha));
  const result = {
    adapterName: gpu.adapterName,
    loss: (await loss.read())[0],
    grads: await Promise.all(grads.map(async (g) => Array.from(await g.read()))),
  };
  gpu.destroy();
  return result;
}

declare global {
  interface Window {
    runEngine: (input: BrowserRunInput) => Promise<BrowserRunOutput>;
  }
}

window.runEngine = run;
document.getElementById('status')!.textContent = 'ready';
