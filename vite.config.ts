import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';
import { defineConfig } from 'vitest/config';
import { wgslModule } from './scripts/wgsl-module.mjs';

/** `import shader from './x.wgsl'` yields { name, source, sections } (scripts/wgsl-module.mjs, as in Node). */
function wgsl(): Plugin {
  return {
    name: 'wgsl',
    transform(code, id) {
      if (!id.endsWith('.wgsl')) return;
      const module = wgslModule(id, code);
      for (const file of module.files) this.addWatchFile(file);
      return { code: module.code, map: null };
    },
  };
}

/** An absolute path inside the repository, whatever the root Vite was started with (`vite demos` for the site). */
function repository(path: string): string {
  return fileURLToPath(new URL(path, import.meta.url));
}

/** The package's entry points (package.json "exports" and "bin"), built by `vite build --mode package`. */
const PACKAGE_ENTRIES = {
  index: 'engine/index.ts',
  node: 'engine/node.ts',
  report: 'engine/report/index.ts',
  internal: 'engine/internal.ts',
  cli: 'bin/main.ts',
};

/** The demo site, or with --mode package the engine as an npm package (dist/package; types from tsconfig.package.json). */
const build = (mode: string): UserConfig['build'] =>
  mode === 'package'
    ? {
        outDir: repository('dist/package'),
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        lib: { entry: Object.fromEntries(Object.entries(PACKAGE_ENTRIES).map(([name, path]) => [name, repository(path)])), formats: ['es'] },
        rollupOptions: {
          external: [/^node:/, 'webgpu', 'webgpu-utils', '@observablehq/plot', 'jsdom', 'mnist'],
          output: { banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
        },
      }
    : {
        outDir: repository('dist/site'),
        emptyOutDir: true,
        target: 'es2022',
        rollupOptions: { input: ['index', 'geometry', 'playground', 'report'].map((page) => repository(`demos/${page}.html`)) },
      };

export default defineConfig(({ mode }) => ({
  plugins: [wgsl()],
  server: { host: '127.0.0.1' },
  base: './', // the built demo site works from any folder of any static host
  build: build(mode),
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks', // dawn.node is a native addon: one process per test file, not worker threads
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
}));
