// The measures beyond the metrics stage, over every layer of a network: the linear probe (transfer), linear
// separability (seed 003) and P-vectors (seed 004). Features are taken in evaluation mode (batch norms use
// their running statistics), as a frozen network would give them.
import type { Gpu } from './gpu';
import { linearProbe, type ProbeAccuracy } from './metrics/probe';
import { pvectorAngle, topLeftSingularVector } from './metrics/pvector';
import { linearSeparability } from './metrics/separability';
import type { Network } from './model';
import type { Tensor } from './tensor';

/** Runs `measure` on each layer's features z_0 .. z_{L-1} of every one of `inputs`, one layer at a time. */
export async function eachLayer<T>(gpu: Gpu, network: Network, inputs: Tensor[], measure: (features: Tensor[], layer: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let layer = 0; layer < network.weights.length; layer++) {
    network.training = false;
    const features = gpu.scope(() => inputs.map((x) => network.features(x, layer)[layer]));
    network.training = true;
    try {
      results.push(await measure(features, layer));
    } finally {
      features.forEach((f, i) => f !== inputs[i] && f.dispose());
    }
  }
  return results;
}

/** The probe's accuracies per layer: trained on the train split's features, tested on the test split's. */
export function probeLayers(
  gpu: Gpu,
  network: Network,
  train: { inputs: Tensor; labels: ArrayLike<number> },
  test: { inputs: Tensor; labels: ArrayLike<number> },
  classes: number,
): Promise<({ layer: number } & ProbeAccuracy)[]> {
  return eachLayer(gpu, network, [train.inputs, test.inputs], async ([trainFeatures, testFeatures], layer) => ({
    layer,
    ...(await linearProbe(gpu, { features: trainFeatures, labels: train.labels }, { features: testFeatures, labels: test.labels }, classes)),
  }));
}

/**
 * What separability and P-vectors found on a network's input, by input tensor (and labels and classes): layer 0 is
 * the input itself, which training never changes, so a run's checkpoints measure it once.
 */
const inputSeparability = new WeakMap<Tensor, WeakMap<ArrayLike<number>, { classes: number; mean: number }>>();
const inputPVectors = new WeakMap<Tensor, Float32Array>();

/**
 * The mean Minkowski-difference separability of each layer. Layer 0's is measured once per `inputs` tensor, `labels`
 * and `classes`: the input tensor's values must not change between calls (as for MetricsStage).
 */
export function separabilityOfLayers(gpu: Gpu, network: Network, inputs: Tensor, labels: ArrayLike<number>, classes: number): Promise<number[]> {
  return eachLayer(gpu, network, [inputs], async ([features]) => {
    const known = features === inputs ? inputSeparability.get(inputs)?.get(labels) : undefined;
    if (known?.classes === classes) return known.mean;
    const { mean } = await linearSeparability(gpu, features, labels, classes);
    if (features === inputs) inputSeparability.set(inputs, (inputSeparability.get(inputs) ?? new WeakMap()).set(labels, { classes, mean }));
    return mean;
  });
}

/** Each layer's P-vector. Layer 0's is computed once per `inputs` tensor, whose values must not change between calls. */
export function pvectorsOfLayers(gpu: Gpu, network: Network, inputs: Tensor): Promise<Float32Array[]> {
  return eachLayer(gpu, network, [inputs], async ([features]) => {
    const known = features === inputs ? inputPVectors.get(inputs) : undefined;
    if (known) return known.slice();
    const { vector } = await topLeftSingularVector(gpu, features);
    if (features === inputs) inputPVectors.set(inputs, vector.slice());
    return vector;
  });
}

/** Degrees between each checkpoint's P-vector and the final one, per layer. */
export function pvectorAngles(checkpoints: { step: number; vectors: Float32Array[] }[], final: Float32Array[]): { step: number; angles: number[] }[] {
  return checkpoints.map(({ step, vectors }) => ({ step, angles: vectors.map((vector, layer) => pvectorAngle(vector, final[layer])) }));
}
