// The same engine code in headless Chromium: a DLN's loss and gradients there match the float64 reference.
import { expect, it } from 'vitest';
import { withHeadlessPage } from '../scripts/headless';
import type { BrowserRunInput, BrowserRunOutput } from './browser/engine-page';
import { dlnForwardRef, dlnGradientsRef, expectClose, maxAbs, mseRef, oneHot, randomMatrix, seededRandom, type Matrix } from './reference';

it('runs the engine in Chromium and agrees with float64', async () => {
  const random = seededRandom(31);
  const inputs = randomMatrix(random, 12, 9);
  const targets = oneHot([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 3);
  const weights = [randomMatrix(random, 7, 9, 0.3), randomMatrix(random, 7, 7, 0.3), randomMatrix(random, 3, 7, 0.3)];
  const alpha = 2;
  const send = (m: Matrix) => ({ shape: [m.rows, m.cols] as [number, number], data: Array.from(m.data) });
  const input: BrowserRunInput = { inputs: send(inputs), targets: send(targets), weights: weights.map(send), alpha };

  const output = await withHeadlessPage('tests/browser/engine.html', async ({ page, pageErrors }) => {
    await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'running…', { timeout: 60_000 });
    const status = await page.$eval('#status', (element) => element.textContent);
    expect(status, `page errors: ${pageErrors.join('\n')}`).toBe('ready');
    return page.evaluate((sent) => window.runEngine(sent), input) as Promise<BrowserRunOutput>;
  });

  expect(output.adapterName).toMatch(/\S/);
  expectClose([output.loss], [mseRef(dlnForwardRef(inputs, weights), targets, alpha)], { rtol: 1e-5 }, 'browser loss');
  const expected = dlnGradientsRef(inputs, weights, targets, alpha);
  expected.forEach((grad, l) => expectClose(output.grads[l], grad.data, { atol: 1e-4 * maxAbs(grad.data), rtol: 1e-4 }, `browser dW${l + 1}`));
});
