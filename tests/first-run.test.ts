// A first run on a machine without a GPU (and without a desktop session, so no XDG_RUNTIME_DIR) says which
// adapter it uses in one line, and prints nothing a newcomer would read as a failure.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const directory = mkdtempSync(join(tmpdir(), 'first-run-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('prints one line about the adapter and no line starting with "error" or "warning"', async () => {
  const env = { ...process.env };
  delete env.XDG_RUNTIME_DIR;
  const command = ['--import', 'tsx', '--import', './scripts/register-wgsl.mjs', 'bin/main.ts', '--steps', '20', '--out', join(directory, 'run')];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, command, { env, timeout: 120_000 });
  const lines = `${stdout}\n${stderr}`.split('\n').map((line) => line.trim());
  expect(
    lines.filter((line) => /^(error|warning)/i.test(line)),
    stderr,
  ).toEqual([]);
  expect(lines.filter((line) => line.startsWith('webgpu:'))).toHaveLength(1);
});
