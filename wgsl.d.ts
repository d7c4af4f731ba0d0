/** WGSL files import as a ShaderFile (scripts/wgsl-module.mjs, for Vite and Node alike). */
declare module '*.wgsl' {
  const shader: import('./engine/shader').ShaderFile;
  export default shader;
}
