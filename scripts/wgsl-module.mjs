// The one WGSL loader, for Vite (vite.config.ts) and Node (wgsl-hooks.mjs): `import shader from './x.wgsl'` yields
// { name: 'x.wgsl', source, sections }. Each `//! include y.wgsl` line appends y.wgsl (same folder, once) after the
// file's own text, so the file's lines keep their numbers in compiler messages; `sections` says where each part
// starts, so the engine can name the file and line of any message.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const INCLUDE = /^\/\/! include (\S+)\s*$/gm;

/** The shader file at `path` with its includes, as { name, source, sections }, and the files it read. */
export function loadWgsl(path, text) {
  const sections = [{ name: basename(path), firstLine: 1 }];
  const parts = [text.endsWith('\n') ? text : `${text}\n`];
  const files = [];
  const pending = [...text.matchAll(INCLUDE)].map((match) => match[1]);
  while (pending.length > 0) {
    const name = pending.shift();
    if (sections.some((section) => section.name === name)) continue;
    const file = join(dirname(path), name);
    let included;
    try {
      included = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`${path}: //! include ${name}: no such file (${file})`);
    }
    files.push(file);
    const firstLine = parts.join('').split('\n').length;
    sections.push({ name, firstLine });
    parts.push(included.endsWith('\n') ? included : `${included}\n`);
    pending.push(...[...included.matchAll(INCLUDE)].map((match) => match[1]));
  }
  return { shader: { name: basename(path), source: parts.join(''), sections }, files };
}

/** The JavaScript module a .wgsl import becomes. */
export function wgslModule(path, text) {
  const { shader, files } = loadWgsl(path, text);
  return { code: `export default ${JSON.stringify(shader)};`, files };
}
