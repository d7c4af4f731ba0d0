// The engine as a package: `npm pack` builds it, a fresh project installs the tarball and runs the README's
// ten-line example exactly as printed (with data for the names it leaves to the reader), and type-checks it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const project = mkdtempSync(join(tmpdir(), 'package-test-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The README's example: the ts block under "The API in ten lines". */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The API in ten lines'));
  return /```ts\n([\s\S]*?)```/.exec(section)![1];
}

/** The data the example leaves to the reader: 30 samples of 50 features in 3 classes, and two weight matrices. */
const DATA = `
const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.1);
const inputs = random(30 * 50, 1);
const oneHotTargets = Float32Array.from({ length: 30 * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
const w1 = random(50 * 50, 2);
const w2 = random(3 * 50, 3);
`;

const run = (command: string, args: string[], cwd = project) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the package', () => {
  it('installs from npm pack into a fresh project, and the README example type-checks and runs there', () => {
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', project], root).trim().split('\n').at(-1)!;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
    run('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(project, tarball),
      `typescript@${require_version('typescript')}`,
      `@webgpu/types@${require_version('@webgpu/types')}`,
      `@types/node@${require_version('@types/node')}`,
    ]);

    const example = readmeExample();
    const [imports, ...body] = example.split('\n');
    expect(imports).toMatch(/^import \{ .* \} from 'layerwise-webgpu';$/);
    writeFileSync(join(project, 'example.ts'), `${imports}\n${DATA}\n${body.join('\n')}`);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: false,
          outDir: 'out',
          types: ['@webgpu/types', 'node'],
          skipLibCheck: false,
        },
        files: ['example.ts'],
      }),
    );
    run(join(project, 'node_modules/.bin/tsc'), ['-p', '.']); // the package's types, checked as a user's compiler checks them
    const output = run(process.execPath, [join(project, 'out/example.js')]);
    const loss = Number(output.trim().split('\n').at(-1));
    expect(Number.isFinite(loss) && loss > 0, output).toBe(true);
  });

  it('installs the command line as a bin', () => {
    const help = run(join(project, 'node_modules/.bin/layerwise-webgpu'), ['--help']);
    expect(help).toContain('--optimizer sgd');
  });
});

/** The version of a dev dependency the repository itself uses, so the fresh project checks with the same compiler. */
function require_version(name: string): string {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}
