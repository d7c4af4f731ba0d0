// Node only: the figures as standalone .svg files, rendered with jsdom standing in for the browser's document.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { runFigures, type FigureInputs } from './figures';

/** Writes the figures of runFigures into `dir`; returns their paths. */
export async function renderFiguresToFiles(dir: string, run: FigureInputs): Promise<string[]> {
  const { window } = new JSDOM('');
  const serializer = new window.XMLSerializer(); // unlike outerHTML, it writes the xmlns a standalone file needs
  const paths: string[] = [];
  for (const [name, svg] of Object.entries(runFigures(run, window.document))) {
    const path = join(dir, name);
    await writeFile(path, `${serializer.serializeToString(svg)}\n`);
    paths.push(path);
  }
  return paths;
}
