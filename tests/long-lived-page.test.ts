// The home page trained again and again with new settings, as a visitor would, in headless Chromium: between
// trainings the page holds no more GPU memory and no more pipelines after the 20th than after the 1st.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withHeadlessPage } from '../scripts/headless';

const root = new URL('..', import.meta.url).pathname;
const site = mkdtempSync(join(tmpdir(), 'demo-site-'));

beforeAll(async () => {
  await build({ root: join(root, 'demos'), configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: site } });
});
afterAll(() => rmSync(site, { recursive: true, force: true }));

const TRAININGS = 20;

it(`home: trained ${TRAININGS} times with new settings, the GPU memory and the pipelines it keeps stay flat`, async () => {
  await withHeadlessPage(
    'index.html',
    async ({ page, pageErrors }) => {
      await page.waitForFunction(() => 'demo' in window, { timeout: 30_000 });
      /** Sets the fields; the form's change event resets the run, which gives its memory back. */
      const settle = async (settings: Record<string, number>) => {
        await page.evaluate((values) => {
          const form = document.getElementById('controls') as HTMLFormElement;
          for (const [name, value] of Object.entries(values)) (form.elements.namedItem(name) as HTMLInputElement).value = String(value);
          form.dispatchEvent(new Event('change'));
        }, settings);
        await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Press Train.', { timeout: 30_000 });
        return page.evaluate(() => {
          const { gpu } = (window as any).demo;
          const { bytesHeld, inUse } = gpu.pool.stats();
          return { bytesHeld, inUse, pipelines: gpu.kernels.pipelineCount as number };
        });
      };
      const between: Awaited<ReturnType<typeof settle>>[] = [];
      for (let training = 1; training <= TRAININGS + 1; training++) {
        // A small network, so each training takes a moment; the width (so every shape) changes every 5 trainings,
        // alpha (an override constant), the learning rate and the seed every time.
        const settings = {
          samples: 12,
          dim: 10,
          classes: 3,
          depth: 3,
          steps: 40,
          width: 8 * Math.ceil(training / 5),
          alpha: 10 + training,
          lr: 0.01 * (1 + (training % 4)),
          seed: training,
        };
        between.push(await settle(settings));
        if (training > TRAININGS) break;
        await page.click('#train');
        await page.waitForFunction(() => /^Done/.test(document.getElementById('status')!.textContent ?? ''), { timeout: 60_000 });
      }
      // between[k] is taken after k trainings.
      const [first, last] = [between[1], between[TRAININGS]];
      expect(last.inUse, 'buffers in use between trainings').toBe(first.inUse);
      expect(last.bytesHeld, 'bytes held between trainings').toBeLessThanOrEqual(first.bytesHeld);
      expect(last.pipelines, 'pipelines cached').toBeLessThanOrEqual(first.pipelines + 5);
      expect(pageErrors.filter((error) => !/favicon/.test(error))).toEqual([]);
    },
    { site },
  );
}, 300_000);
