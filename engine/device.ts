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
  /** Awaits a promise of this device's work (a map, a compile, submitted work done): see waitSleeping for Node's. */
  wait: <T>(promise: Promise<T>) => Promise<T>;
}

export interface DeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Where the one-line notes go (which adapter, fallbacks); defaults to console.info. */
  log?: (message: string) => void;
  /** Optional features not to ask for even where offered: to try the paths that serve devices without them. */
  withoutFeatures?: GPUFeatureName[];
}

/** Options for a device that prints no notes: the tests' and the benchmark's fresh devices. */
export const QUIET: DeviceOptions = { log: () => {} };

/**
 * Requests an adapter and a device with the adapter's full limits and the optional features it has.
 * In Node, when no adapter is found, retries once on SwiftShader and says so.
 */
export async function acquireDevice(options: DeviceOptions = {}): Promise<AcquiredDevice> {
  const log = options.log ?? ((message: string) => console.info(message));
  const { instance, adapter, wait } = await requestAdapter(options.powerPreference, log);
  const features = OPTIONAL_FEATURES.filter((feature) => adapter.features.has(feature) && !options.withoutFeatures?.includes(feature));
  const device = await adapter.requestDevice({
    label: 'engine device',
    requiredFeatures: features,
    requiredLimits: adapterLimits(adapter),
  });
  const adapterInfo = adapter.info;
  const adapterName = describeAdapter(adapterInfo);
  const software = /swiftshader|lavapipe|llvmpipe|warp|software|cpu/i.test(adapterName);
  log(`webgpu: using ${adapterName}${software ? ' (software: no GPU adapter found)' : ''}`);
  return { device, adapterInfo, adapterName, software, instance, wait };
}

async function requestAdapter(
  powerPreference: GPUPowerPreference | undefined,
  log: (message: string) => void,
): Promise<{ instance: GPU; adapter: GPUAdapter; wait: AcquiredDevice['wait'] }> {
  if (typeof navigator !== 'undefined' && navigator.gpu) {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference });
    if (adapter) return { instance: navigator.gpu, adapter, wait: (promise) => promise };
    throw new Error(
      'WebGPU: navigator.gpu found no adapter. Enable hardware acceleration, or in Chrome open chrome://flags and enable "Unsafe WebGPU Support".',
    );
  }
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new Error(
      'WebGPU is not available: navigator.gpu is missing. Use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+), served over http://localhost or https.',
    );
  }
  const createInstance = await nodeGpu();
  const search = async (): Promise<{ instance: GPU; adapter: GPUAdapter | null }> => {
    const instance = createInstance();
    return { instance, adapter: await withRuntimeDir(() => instance.requestAdapter({ powerPreference })) };
  };
  const swiftShader = process.env.VK_ICD_FILENAMES !== SWIFTSHADER_ICD && (await fileExists(SWIFTSHADER_ICD));
  // Without a GPU the system's drivers have nothing to offer, and asking them makes Dawn print a warning for each
  // one it turns down (Mesa's lavapipe: "Vulkan shaderUniform*ArrayDynamicIndexing required"): go to SwiftShader.
  if (!swiftShader || (await mayHaveGpu())) {
    const { instance, adapter } = await search();
    if (adapter) return { instance, adapter, wait: waitSleeping };
    if (swiftShader) log(`webgpu: no GPU adapter found; retrying with SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
  }
  if (swiftShader) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const { instance, adapter } = await search();
    if (adapter) return { instance, adapter, wait: waitSleeping };
  }
  throw new Error(
    'WebGPU: no adapter found in Node. Dawn needs the Vulkan loader (apt-get install -y libvulkan1) and a Vulkan driver; ' +
      `without a GPU, SwiftShader comes with Debian's chromium package (apt-get install -y chromium, then ${SWIFTSHADER_ICD} exists).`,
  );
}

/**
 * Awaits one of the device's promises in Node. While any is pending, Dawn's Node binding ticks the device from a chain
 * of setImmediate callbacks (its AsyncRunner), so an event loop with nothing else to do spins a core on them: on a
 * software GPU, one of the cores its threads run on (measured: they got two thirds of them). Sleeping a millisecond per
 * turn of the loop keeps the ticks, and the promise's latency grows by at most that.
 */
async function waitSleeping<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const settle = () => {
    settled = true;
  };
  promise.then(settle, settle);
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) return promise;
    Atomics.wait(sleeper, 0, 0, 1);
  }
}
/** What waitSleeping sleeps on; made on first use, as browsers without cross-origin isolation lack SharedArrayBuffer. */
let sleeper: Int32Array | undefined;

/**
 * False only on Linux with no GPU device node, when the user has not picked Vulkan drivers: a driver for a real GPU
 * opens one (/dev/dri/renderD* or card*, NVIDIA's /dev/nvidiactl, WSL's /dev/dxg).
 */
async function mayHaveGpu(): Promise<boolean> {
  const picked = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'].some((name) => process.env[name]);
  if (process.platform !== 'linux' || picked) return true;
  const fs = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const dri = await fs.readdir('/dev/dri').catch((): string[] => []);
  if (dri.some((name) => /^(renderD|card)\d/.test(name))) return true;
  return (await fileExists('/dev/nvidiactl')) || (await fileExists('/dev/dxg'));
}

/**
 * Runs Dawn's adapter search with XDG_RUNTIME_DIR set to an empty private directory when it is unset (no desktop
 * session: ssh, containers, CI). Mesa's Vulkan layer VK_LAYER_MESA_device_select, loaded whatever the driver, asks
 * Wayland for the display's GPU while Dawn lists devices, and without the variable libwayland prints
 * "error: XDG_RUNTIME_DIR is invalid or not set in the environment." twice. In an empty directory it finds no
 * Wayland socket either, silently. The variable is unset and the directory removed again afterwards.
 */
async function withRuntimeDir<T>(search: () => Promise<T>): Promise<T> {
  if (process.platform !== 'linux' || process.env.XDG_RUNTIME_DIR) return search();
  const fs = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const os = await nodeModule<typeof import('node:os')>('node:os');
  const directory = await fs.mkdtemp(`${os.tmpdir()}/webgpu-runtime-`); // mode 0700, as the XDG spec asks
  process.env.XDG_RUNTIME_DIR = directory;
  try {
    return await search();
  } finally {
    delete process.env.XDG_RUNTIME_DIR;
    await fs.rm(directory, { recursive: true, force: true });
  }
}

/** Loads Dawn's Node binding and installs the WebGPU globals (GPUBufferUsage, ...) it provides. */
async function nodeGpu(): Promise<() => GPU> {
  const dawn = await nodeModule<typeof import('webgpu')>('webgpu');
  for (const [name, value] of Object.entries(dawn.globals as Record<string, unknown>)) {
    if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  }
  return () => dawn.create([]);
}

/** Imports a Node-only module by a variable name, so browser bundlers leave the import alone. */
async function nodeModule<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ name);
}

async function fileExists(path: string): Promise<boolean> {
  const fs = await nodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  return fs.access(path).then(
    () => true,
    () => false,
  );
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
