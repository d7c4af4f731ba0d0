import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
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

export default defineConfig({
  plugins: [wgsl()],
  server: { host: '127.0.0.1' },
  base: './', // the built demo site works from any folder of any static host
  build: {
    outDir: repository('dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: ['index', 'geometry', 'playground'].map((page) => repository(`demos/${page}.html`)) },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks', // dawn.node is a native addon: one process per test file, not worker threads
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
