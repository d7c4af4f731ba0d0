import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** `import source from './x.wgsl'` yields the file's text; Node gets the same from scripts/wgsl-hooks.mjs. */
function wgsl(): Plugin {
  return {
    name: 'wgsl',
    transform(code, id) {
      if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}

export default defineConfig({
  plugins: [wgsl()],
  server: { host: '127.0.0.1' },
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks', // dawn.node is a native addon: one process per test file, not worker threads
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
