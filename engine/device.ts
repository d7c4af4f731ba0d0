// Getting a GPUDevice, the same way in the browser (navigator.gpu) and in Node (Dawn's `webgpu` package).

/** The Vulkan driver Debian's chromium package ships: a software GPU for machines without one. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Features the engine uses when the adapter offers them; it works without them. */
const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups' as GPUFeatureName];

export interface AcquiredDevice {
  device: GPUDevice;
  adapterInfo: GPUAdapterInfo;
  /** One line naming the adapter, e.g. "google swiftshader (Vulkan)". */
  adapterName: string;
  /** True on a software rasteriser (SwiftShader, lavapipe, WARP): kernels are then chosen for CPUs. */
  software: boolean;
  /** The GPU object the adapter came from: Dawn's Node binding tears the device down if it is garbage-collected. */
  instance: GPU;
}

export interface DeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Where the one-line notes go (which adapter, fallbacks); defaults to console.info. */
  log?: (message: string) => void;
}

/**
 * Requests an adapter and a device with the adapter's full limits and the optional features it has.
 * In Node, when no adapter is found, retries once on SwiftShader and says so.
 */
export async function acquireDevice(options: DeviceOptions = {}): Promise<AcquiredDevice> {
  const log = options.log ?? ((message: string) => console.info(message));
  const { instance, adapter } = await requestAdapter(options.powerPreference, log);
  const features = OPTIONAL_FEATURES.filter((feature) => adapter.features.has(feature));
  const device = await adapter.requestDevice({
    label: 'engine device',
    requiredFeatures: features,
    requiredLimits: adapterLimits(adapter),
  });
  const adapterInfo = adapter.info;
  const adapterName = describeAdapter(adapterInfo);
  const software = /swiftshader|lavapipe|llvmpipe|warp|software|cpu/i.test(adapterName);
  log(`webgpu: using ${adapterName}${software ? ' (software: no GPU adapter found)' : ''}`);
  return { device, adapterInfo, adapterName, software, instance };
}

async function requestAdapter(
  powerPreference: GPUPowerPreference | undefined,
  log: (message: string) => void,
): Promise<{ instance: GPU; adapter: GPUAdapter }> {
  if (typeof navigator !== 'undefined' && navigator.gpu) {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference });
    if (adapter) return { instance: navigator.gpu, adapter };
    throw new Error('WebGPU: navigator.gpu found no adapter. Enable hardware acceleration, or in Chrome open chrome://flags and enable "Unsafe WebGPU Support".');
  }
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new Error('WebGPU is not available: navigator.gpu is missing. Use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+), served over http://localhost or https.');
  }
  const createInstance = await nodeGpu();
  const instance = createInstance();
  const adapter = await instance.requestAdapter({ powerPreference });
  if (adapter) return { instance, adapter };
  if (process.env.VK_ICD_FILENAMES !== SWIFTSHADER_ICD && (await fileExists(SWIFTSHADER_ICD))) {
    log(`webgpu: no GPU adapter found; retrying with SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const fallbackInstance = createInstance();
    const fallback = await fallbackInstance.requestAdapter({ powerPreference });
    if (fallback) return { instance: fallbackInstance, adapter: fallback };
  }
  throw new Error(
    'WebGPU: no adapter found in Node. Dawn needs the Vulkan loader (apt-get install -y libvulkan1) and a Vulkan driver; ' +
      `without a GPU, SwiftShader comes with Debian's chromium package (apt-get install -y chromium, then ${SWIFTSHADER_ICD} exists).`,
  );
}

/** Loads Dawn's Node binding and installs the WebGPU globals (GPUBufferUsage, ...) it provides. */
async function nodeGpu(): Promise<() => GPU> {
  const moduleName = 'webgpu'; // a variable, so browser bundlers leave this Node-only import alone
  const dawn = await import(/* @vite-ignore */ moduleName);
  for (const [name, value] of Object.entries(dawn.globals as Record<string, unknown>)) {
    if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  }
  return () => dawn.create([]) as GPU;
}

async function fileExists(path: string): Promise<boolean> {
  const fsName = 'node:fs/promises';
  const fs = await import(/* @vite-ignore */ fsName);
  return fs.access(path).then(() => true, () => false);
}

/** Every numeric limit of the adapter, so the device gets the real buffer and workgroup sizes, not the defaults. */
function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') limits[key] = value;
  }
  return limits;
}

function describeAdapter(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part) => part);
  return parts.length ? [...new Set(parts)].join(' ') : 'unknown adapter';
}
