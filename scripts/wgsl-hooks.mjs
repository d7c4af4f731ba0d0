// Node module hooks: `import shader from './x.wgsl'` yields { name, source, sections }, as Vite's wgsl plugin does.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { wgslModule } from './wgsl-module.mjs';

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.wgsl')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = wgslModule(path, await readFile(path, 'utf8'));
  return { format: 'module', source: code, shortCircuit: true };
}
