// Workgroup counts for one-invocation-per-item kernels, kept within maxComputeWorkgroupsPerDimension.
import type { Gpu } from '../gpu';

export const WORKGROUP_SIZE = 64;

/** An x-by-y grid of at least ceil(count / workgroupSize) workgroups; kernels index id.x + id.y * x * workgroupSize. */
export function gridFor(gpu: Gpu, count: number, workgroupSize = WORKGROUP_SIZE): [number, number] {
  const groups = Math.ceil(count / workgroupSize);
  const maxPerDimension = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) throw new Error(`${count} elements exceed what one dispatch can cover on this device`);
  return [Math.ceil(groups / y), y];
}
