// Dispatching the kernels that run one invocation per item (those that `//! include grid.wgsl`): the grid, and the
// one helper that passes the kernel the workgroup size the grid assumes, binds its buffers and values, and dispatches.
import type { Gpu } from '../gpu';
import type { Constants } from '../kernels';
import type { ShaderFile } from '../shader';
import { outputTensor, type Tensor } from '../tensor';

export const WORKGROUP_SIZE = 64;

/** Invocations for `count` floats taken four at a time, as vec4s (the convention in grid.wgsl). */
export const vec4Items = (count: number): number => Math.ceil(count / 4);

/** An x-by-y grid of at least ceil(count / workgroupSize) workgroups; kernels index id.x + id.y * x * workgroupSize. */
export function gridFor(gpu: Gpu, count: number, workgroupSize = WORKGROUP_SIZE): [number, number] {
  const groups = Math.ceil(count / workgroupSize);
  const maxPerDimension = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) throw new Error(`${count} elements exceed what one dispatch can cover on this device`);
  return [Math.ceil(groups / y), y];
}

export interface Launch {
  /** Shapes and modes: each distinct set is a pipeline. */
  constants?: Constants;
  /** Numbers that change from call to call, for the shader's `values` uniform (Gpu.values): they compile nothing. */
  values?: Record<string, number>;
  /** Bound to @group(0) @binding(0..) in order: whole buffers, or parts of them (a tensor's binding). */
  buffers: (GPUBuffer | GPUBufferBinding)[];
  /** One invocation per item. */
  items: number;
}

/** Dispatches `shader` over `items` invocations, its WORKGROUP_SIZE the one the grid assumes. */
export function launch(gpu: Gpu, shader: ShaderFile, { constants = {}, values, buffers, items }: Launch): void {
  const kernel = gpu.kernel(shader, { ...constants, WORKGROUP_SIZE });
  gpu.dispatch(kernel, buffers, gridFor(gpu, items), values && gpu.values(shader, values));
}

/** launch() into `into` (of `shape`), or a new tensor when it is null, bound after `inputs`; returns it. */
export function launchInto(
  gpu: Gpu,
  shader: ShaderFile,
  shape: readonly number[],
  label: string,
  { inputs, into = null, ...rest }: Omit<Launch, 'buffers'> & { inputs: Tensor[]; into?: Tensor | null },
): Tensor {
  const out = outputTensor(gpu, shape, label, into);
  launch(gpu, shader, { ...rest, buffers: [...inputs.map((input) => input.binding), out.binding] });
  return out;
}
