// Dispatching the kernels that run one invocation per item or a few (those that `//! include grid.wgsl`): the grid, and
// the one helper that passes the kernel the workgroup size the grid assumes, binds its buffers and values, and dispatches.
import type { Gpu } from '../gpu';
import type { Constants } from '../kernels';
import type { ShaderFile } from '../shader';
import { outputTensor, type Tensor } from '../tensor';

export const WORKGROUP_SIZE = 64;
/**
 * Items per invocation for a kernel that loops (grid.wgsl's ITEMS_PER_INVOCATION): a software GPU pays a fixed cost
 * per invocation, which fewer invocations pay less of (bench/README.md); a GPU wants every item its own invocation.
 */
const itemsPerInvocation = (gpu: Gpu): number => (gpu.software ? 8 : 1);

/** Items for `count` floats taken four at a time, as vec4s (the convention in grid.wgsl). */
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
  /** One invocation per item, or per ITEMS_PER_INVOCATION items when the kernel `loops`. */
  items: number;
  /** The kernel takes its items by grid.wgsl's itemAt, turn after turn. */
  loops?: boolean;
}

/** Dispatches `shader` over `items`, its WORKGROUP_SIZE (and ITEMS_PER_INVOCATION) the ones the grid assumes. */
export function launch(gpu: Gpu, shader: ShaderFile, { constants = {}, values, buffers, items, loops = false }: Launch): void {
  const perInvocation = loops ? itemsPerInvocation(gpu) : 1;
  const kernel = gpu.kernel(shader, { ...constants, WORKGROUP_SIZE, ...(loops ? { ITEMS_PER_INVOCATION: perInvocation } : {}) });
  gpu.dispatch(kernel, buffers, gridFor(gpu, Math.ceil(items / perInvocation)), values && gpu.values(shader, values));
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
