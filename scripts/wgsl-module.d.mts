import type { ShaderFile } from '../engine/shader';
export function loadWgsl(path: string, text: string): { shader: ShaderFile; files: string[] };
export function wgslModule(path: string, text: string): { code: string; files: string[] };
