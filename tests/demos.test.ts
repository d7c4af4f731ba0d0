// The built demo site in headless Chromium: train on the home page and watch the charts, read the feature
// geometry, run the playground's checked kernels, read the shipped reproduction report, and the message shown
// where WebGPU is missing.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHeadlessPage } from '../scripts/headless';
import type { PaperReport } from '../engine/report';

const root = new URL('..', import.meta.url).pathname;
const site = mkdtempSync(join(tmpdir(), 'demo-site-'));
const artifacts = join(root, 'tests', 'artifacts');

beforeAll(async () => {
  await build({ root: join(root, 'demos'), configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: site } });
  mkdirSync(artifacts, { recursive: true });
});
afterAll(() => rmSync(site, { recursive: true, force: true }));

/** The page's errors, less the ones no page can prevent. */
const realErrors = (errors: string[]) => errors.filter((error) => !/favicon/.test(error));

async function trainToTheEnd(page: Page): Promise<void> {
  await page.waitForFunction(() => 'demo' in window, { timeout: 30_000 });
  await page.click('#train');
  await page.waitForFunction(() => /^Done/.test(document.getElementById('status')!.textContent ?? ''), { timeout: 120_000 });
}

describe('demo site (built)', () => {
  it('has the four pages', () => {
    expect(
      readdirSync(site)
        .filter((file) => file.endsWith('.html'))
        .sort(),
    ).toEqual(['geometry.html', 'index.html', 'playground.html', 'report.html']);
  });

  it('home: the loss shown falls while it trains, and after training C_l falls with depth', async () => {
    await withHeadlessPage(
      'index.html',
      async ({ page, pageErrors }) => {
        await page.setViewport({ width: 1400, height: 1000 });
        await page.waitForFunction(() => 'demo' in window, { timeout: 30_000 });
        await page.click('#train');
        await page.waitForFunction(() => ((window as any).demo.run?.history.length ?? 0) >= 3, { timeout: 60_000 });
        const shownEarly = Number(await page.$eval('#loss', (e) => e.textContent));
        await page.waitForFunction(() => /^Done/.test(document.getElementById('status')!.textContent ?? ''), { timeout: 120_000 });
        const shownLast = Number(await page.$eval('#loss', (e) => e.textContent));
        expect(shownLast).toBeLessThan(shownEarly / 100);

        const state = await page.evaluate(() => {
          const run = (window as any).demo.run;
          return {
            losses: run.session.losses as [number, number][],
            C: run.latest.layers.map((l: { C: number }) => l.C) as number[],
            updates: run.history.length as number,
          };
        });
        expect(state.updates).toBeGreaterThanOrEqual(3);
        expect(state.losses.at(-1)![1]).toBeLessThan(state.losses[0][1] / 1e6);
        expect(state.C.every(Number.isFinite)).toBe(true);
        for (let l = 1; l < state.C.length; l++) expect(state.C[l], `C_${l}`).toBeLessThan(state.C[l - 1]);
        expect(await page.$$eval('.chart svg', (svgs) => svgs.length)).toBe(4);
        await page.screenshot({ path: join(artifacts, 'home.png'), fullPage: true });
        expect(realErrors(pageErrors)).toEqual([]);
      },
      { site },
    );
  });

  it('feature geometry: the classes collapse more in the last layer than in the input', async () => {
    await withHeadlessPage(
      'geometry.html',
      async ({ page, pageErrors }) => {
        await page.setViewport({ width: 1400, height: 900 });
        await trainToTheEnd(page);
        const planeC = async (layer: number) => {
          await page.$eval('#layer', (slider, value) => ((slider as HTMLInputElement).value = String(value)), layer);
          await page.evaluate(() => (window as any).demo.redraw());
          await page.waitForFunction((value) => (window as any).geometry?.layer === value, { timeout: 30_000 }, layer);
          return page.evaluate(() => (window as any).geometry.planeC as number);
        };
        const [input, last] = [await planeC(0), await planeC(5)];
        expect(last).toBeLessThan(input / 100);
        expect(await page.$$eval('#chart-features circle', (dots) => dots.length)).toBe(30);
        await page.screenshot({ path: join(artifacts, 'geometry.png'), fullPage: true });
        expect(realErrors(pageErrors)).toEqual([]);
      },
      { site },
    );
  });

  it('playground: matmul and the SGD update agree with float64', async () => {
    await withHeadlessPage(
      'playground.html',
      async ({ page, pageErrors }) => {
        await page.setViewport({ width: 1400, height: 800 });
        await page.waitForFunction(() => 'playground' in window, { timeout: 30_000 });
        for (const [id, value] of [
          ['m', '33'],
          ['n', '65'],
          ['k', '17'],
          ['count', '10000'],
        ]) {
          await page.$eval(`#${id}`, (input, text) => ((input as HTMLInputElement).value = text), value);
        }
        await page.click('#transpose-a');
        await page.click('#run-peak'); // so each result is also given as a share of the device's measured peak
        await page.waitForFunction(() => (window as any).playground.peak !== null, { timeout: 60_000 });
        for (const [button, count] of [
          ['run-matmul', 1],
          ['run-sgd', 2],
        ] as const) {
          await page.waitForSelector(`#${button}:not([disabled])`);
          await page.click(`#${button}`);
          await page.waitForFunction((n) => (window as any).playground.results.length >= n, { timeout: 60_000 }, count);
        }
        const results = await page.evaluate(() => (window as any).playground.results as { op: string; passed: boolean; ofPeak: number | null }[]);
        expect(results.map((r) => [r.op, r.passed])).toEqual([
          ['matmul', true],
          ['sgd step', true],
        ]);
        for (const { ofPeak } of results) expect(ofPeak).toBeGreaterThan(0);
        await page.screenshot({ path: join(artifacts, 'playground.png'), fullPage: true });
        expect(realErrors(pageErrors)).toEqual([]);
      },
      { site },
    );
  });

  it('reproduction report: shows the shipped sample, every section, verdict and figure, and opens another report.json', async () => {
    const sample = JSON.parse(readFileSync(join(root, 'demos', 'sample-report.json'), 'utf8')) as PaperReport;
    expect(sample.scale).toBe('default'); // a reference-scale run, not a smoke test
    const verdicts = sample.sections.flatMap((section) => section.verdicts);
    const figures = sample.sections.reduce((count, section) => count + section.figures.length, 0);
    const other = join(site, 'other-report.json');
    writeFileSync(other, JSON.stringify({ ...sample, title: 'Another reproduction', sections: sample.sections.slice(0, 1) }));
    await withHeadlessPage(
      'report.html',
      async ({ page, pageErrors }) => {
        await page.setViewport({ width: 1300, height: 1000 });
        await page.waitForFunction(() => 'demo' in window, { timeout: 30_000 });
        const shown = await page.evaluate(() => ({
          sections: [...document.querySelectorAll('#report article > section')].map((section) => section.id),
          verdictRows: document.querySelectorAll('#report article > table.verdicts tr').length - 1,
          figures: document.querySelectorAll('#report section svg').length,
          text: document.getElementById('report')!.textContent ?? '',
          source: document.getElementById('source')!.textContent ?? '',
        }));
        expect(shown.sections).toEqual(sample.sections.map((section) => section.id));
        expect(shown.verdictRows).toBe(verdicts.length);
        expect(shown.figures).toBeGreaterThanOrEqual(figures);
        for (const verdict of verdicts) expect(shown.text).toContain(verdict.criterion);
        expect(shown.source).toContain(`${verdicts.filter((verdict) => verdict.holds).length} of ${verdicts.length} verdicts hold`);
        await page.screenshot({ path: join(artifacts, 'report.png') });

        await (await page.$('input#open[type=file]'))!.uploadFile(other);
        await page.waitForFunction(() => document.querySelector('#report h1')?.textContent === 'Another reproduction', { timeout: 30_000 });
        expect(await page.$$eval('#report article > section', (sections) => sections.length)).toBe(1);
        expect(realErrors(pageErrors)).toEqual([]);
      },
      { site },
    );
  });

  it('says plainly that WebGPU is missing, and how to get it', async () => {
    await withHeadlessPage(
      'index.html',
      async ({ page }) => {
        await page.waitForSelector('#no-webgpu', { timeout: 30_000 });
        const text = await page.$eval('#no-webgpu', (e) => e.textContent ?? '');
        expect(text).toMatch(/needs WebGPU/);
        expect(text).toMatch(/navigator\.gpu is missing/);
        await page.screenshot({ path: join(artifacts, 'no-webgpu.png') });
      },
      { site, beforeLoad: () => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }) },
    );
  });
});
