// Reverse-mode autodiff: ops record (output, inputs, backward) while valueAndGrad runs; backward replays them in reverse.
import { assertApart, assertSameShape, type Tensor } from './tensor';
import { add, copyInto, scale } from './ops/elementwise';
import { fill, fillInto } from './ops/fill';

/**
 * Given the gradient of the loss with respect to an op's output, returns the gradient for each input
 * (null where `needsGrad` is false, so no kernel is spent on gradients nobody wants). Where `into` offers a tensor,
 * an op may write that input's gradient there and return it (a parameter's place in a block of gradients: one
 * optimiser dispatch then updates every parameter); an op that ignores the offer costs one copy.
 */
export type Backward = (gradOutput: Tensor, needsGrad: readonly boolean[], into: readonly (Tensor | null)[]) => (Tensor | null)[];

interface TapeEntry {
  output: Tensor;
  inputs: Tensor[];
  backward: Backward;
}

export class Tape {
  private readonly entries: TapeEntry[] = [];
  /** The parameters and every tensor computed from them: only these need gradients. */
  private readonly dependsOnParams: Set<Tensor>;

  constructor(params: readonly Tensor[]) {
    this.dependsOnParams = new Set(params);
  }

  record(output: Tensor, inputs: Tensor[], backward: Backward): void {
    if (!inputs.some((input) => this.dependsOnParams.has(input))) return;
    this.dependsOnParams.add(output);
    this.entries.push({ output, inputs, backward });
  }

  /**
   * Gradients of `loss` (one element) with respect to each of `params`, accumulated over every use; written into
   * `into` (one tensor per parameter) when given, and returned.
   */
  backward(loss: Tensor, params: readonly Tensor[], into?: readonly Tensor[]): Tensor[] {
    const uses = new Map<Tensor, number>();
    for (const { inputs } of this.entries) for (const input of inputs) uses.set(input, (uses.get(input) ?? 0) + 1);
    // A parameter used once gets its gradient from one op, which may write it in place; one used more is summed first.
    const offered = new Map<Tensor, Tensor>();
    params.forEach((param, index) => {
      if (into && uses.get(param) === 1) offered.set(param, into[index]);
    });
    const grads = new Map<Tensor, Tensor>([[loss, fill(loss.gpu, loss.shape, 1, 'grad seed')]]);
    for (const { output, inputs, backward } of [...this.entries].reverse()) {
      const gradOutput = grads.get(output);
      if (!gradOutput) continue;
      const inputGrads = backward(
        gradOutput,
        inputs.map((input) => this.dependsOnParams.has(input)),
        inputs.map((input) => offered.get(input) ?? null),
      );
      inputs.forEach((input, index) => {
        const grad = inputGrads[index];
        if (!grad) return;
        const earlier = grads.get(input);
        grads.set(input, earlier ? add(earlier, grad) : grad); // a tensor used twice sums both contributions
      });
    }
    if (!into) return params.map((param) => grads.get(param) ?? fill(param.gpu, param.shape, 0, `${param.label} grad (unused)`));
    return params.map((param, index) => {
      const [grad, target] = [grads.get(param), into[index]];
      if (!grad) fillInto(target, 0);
      else if (grad !== target) copyInto(grad, target);
      return target;
    });
  }
}

/** Called by every op: records its backward on the active tape, if any, and returns the output. */
export function record(output: Tensor, inputs: Tensor[], backward: Backward): Tensor {
  output.gpu.tape?.record(output, inputs, backward);
  return output;
}

/**
 * Runs `lossFn` while recording, then the reverse pass. Returns the loss and d loss / d param for each param;
 * every intermediate tensor is disposed. Nothing is read back: the caller reads `loss` only when it wants the number.
 * With `into` (a tensor per parameter, of its shape, and not a parameter: a block of gradients) the gradients are
 * written there and those tensors returned.
 */
export function valueAndGrad(params: readonly Tensor[], lossFn: () => Tensor, into?: readonly Tensor[]): { loss: Tensor; grads: Tensor[] } {
  if (params.length === 0) throw new Error('valueAndGrad: no parameters given');
  if (into) {
    if (into.length !== params.length) throw new Error(`valueAndGrad: ${into.length} gradient tensors for ${params.length} parameters`);
    params.forEach((param, index) => assertSameShape(`valueAndGrad (${param.label}'s gradient)`, param, into[index]));
    assertApart('valueAndGrad', into, params);
  }
  const gpu = params[0].gpu;
  if (gpu.tape) throw new Error('valueAndGrad: already recording; nested calls are not supported');
  return gpu.scope(() => {
    const tape = new Tape(params);
    gpu.tape = tape;
    let loss: Tensor;
    try {
      loss = lossFn();
    } finally {
      gpu.tape = null;
    }
    if (loss.size !== 1) throw new Error(`valueAndGrad: the loss must have one element, got shape [${loss.shape}]`);
    const grads = tape.backward(loss, params, into);
    if (into) return { loss, grads };
    return { loss, grads: grads.map((grad, index) => (grads.indexOf(grad) === index && grad !== loss ? grad : copy(grad))) };
  });
}

/** A distinct copy, so no two returned tensors share a buffer (disposing one must not free the other). */
function copy(tensor: Tensor): Tensor {
  return scale(tensor, 1);
}
