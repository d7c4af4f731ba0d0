// After tsc -p tsconfig.package.json: the declarations' relative imports get the '.js' (or '/index.js') that
// Node's ESM resolution (moduleResolution node16/nodenext) needs; the engine's sources leave them out, as bundlers do.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = process.argv[2];
for (const file of readdirSync(root, { recursive: true }).map((name) => join(root, name))) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from |import\()'(\.{1,2}\/[^']*?)'/g, (match, keyword, path) => {
    if (path.endsWith('.js')) return match;
    const target = join(dirname(file), path);
    const suffix = existsSync(target) && statSync(target).isDirectory() ? '/index.js' : '.js';
    return `${keyword}'${path}${suffix}'`;
  });
  if (fixed !== text) writeFileSync(file, fixed);
}
