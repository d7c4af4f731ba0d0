// Registers wgsl-hooks.mjs; used as `node --import ./scripts/register-wgsl.mjs` (see package.json).
import { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);
