// Serves the repository with Vite on 127.0.0.1 and opens a page in headless Chromium (WebGPU needs a real origin).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';

export const CHROMIUM = '/usr/bin/chromium';

/** Chromium's flags for software WebGPU on a machine with no GPU and no network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface HeadlessSession {
  page: Page;
  browser: Browser;
  /** The page's console errors and uncaught exceptions so far, for error messages. */
  pageErrors: string[];
}

export interface HeadlessOptions {
  /** Serve this built site (vite build's output) instead of the repository's sources. */
  site?: string;
  /** Runs in the page before its own scripts, e.g. to stub an API away. */
  beforeLoad?: () => void;
}

/**
 * Starts Vite (the repository's dev server, or a preview of a built site; port chosen by the OS), launches
 * Chromium, opens `path`, runs `use`, and always closes the browser and the server afterwards.
 */
export async function withHeadlessPage<T>(path: string, use: (session: HeadlessSession) => Promise<T>, options: HeadlessOptions = {}): Promise<T> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with apt-get install -y chromium`);
  const root = new URL('..', import.meta.url).pathname;
  let server: ViteDevServer | PreviewServer | undefined;
  let browser: Browser | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  try {
    const configFile = join(root, 'vite.config.ts');
    if (options.site) {
      server = await preview({ root, configFile, logLevel: 'error', build: { outDir: options.site }, preview: { host: '127.0.0.1', port: 0 } });
    } else {
      // No hot reload: a file edited during a run must not reload the page under a test or a benchmark.
      server = await createServer({ root, configFile, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
      await server.listen();
    }
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('Vite did not report a port');
    // A generous protocol timeout: one benchmark call (a peer's training step on a large network) can take minutes.
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, userDataDir: profile, protocolTimeout: 600_000 });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    if (options.beforeLoad) await page.evaluateOnNewDocument(options.beforeLoad);
    await page.goto(`http://127.0.0.1:${address.port}/${path.replace(/^\//, '')}`, { waitUntil: 'load' });
    return await use({ page, browser, pageErrors });
  } finally {
    await browser?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
