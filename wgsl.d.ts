/** WGSL files import as their source text (vite.config.ts in the browser, scripts/wgsl-hooks.mjs in Node). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}
