/**
 * The package as a user gets it: packed by npm (its lifecycle scripts included), installed into a
 * fresh project, a strict TypeScript script compiled against it and run, a CommonJS script run;
 * both must end on their own.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** execFile that, when the command fails, says what it printed (tsc reports its errors on stdout). */
async function run(file: string, args: string[], options: Parameters<typeof execFileAsync>[2] = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, { ...options, encoding: 'utf8' });
    return { stdout: String(stdout), stderr: String(stderr) };
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test/fixtures/consumer');
const SLOW = 180_000;

let work: string;
let app: string;
let packed: { filename: string; files: Array<{ path: string }> };

/** npm with the test runner's NODE_OPTIONS (vm modules) kept out of everything it starts. */
function npm(args: string[], cwd: string) {
  return run('npm', args, { cwd, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 64 * 1024 * 1024, timeout: SLOW });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'zeroproc-consumer-'));
  // a copy of the repository's tracked files, so packing (which rebuilds dist/) leaves the
  // dist/ that the rest of the suite is running from alone
  const pkg = join(work, 'pkg');
  const { stdout: tracked } = await run('git', ['ls-files', '-z'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  for (const file of tracked.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(pkg, file)), { recursive: true });
    cpSync(join(root, file), join(pkg, file));
  }
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  const { stdout } = await npm(['pack', '--json', '--pack-destination', work], pkg);
  [packed] = JSON.parse(stdout) as [typeof packed];

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const f of ['main.ts', 'shapes.ts', 'main.cjs', 'tsconfig.json']) cpSync(join(fixture, f), join(app, f));
  const types = JSON.parse(readFileSync(join(root, 'node_modules/@types/node/package.json'), 'utf8')) as { version: string };
  const ts = JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8')) as { version: string };
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename), `typescript@${ts.version}`, `@types/node@${types.version}`], app);
}, SLOW);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package in a fresh project', () => {
  test('npm pack --json gives parseable JSON, and the shipped manifest and types hold no repository internals', () => {
    expect(packed.filename).toMatch(/^zeroproc-.*\.tgz$/);
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('dist/src/index.d.ts');
    expect(paths.some((p) => p.startsWith('test/') || p.startsWith('bench/') || p.startsWith('docs/api/'))).toBe(false);
    const shipped = JSON.parse(readFileSync(join(app, 'node_modules/zeroproc/package.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['scripts', 'devDependencies', 'overrides', 'allowScripts']) expect(shipped[key]).toBeUndefined();
    expect(shipped.dependencies).toBeDefined();
    const dts = readFileSync(join(app, 'node_modules/zeroproc/dist/src/rpc/client.d.ts'), 'utf8');
    expect(dts).not.toContain('@internal');
  });

  test('a strict TypeScript script compiles against it, runs, and exits on its own', async () => {
    await run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app });
    const { stdout } = await run(process.execPath, [join(app, 'dist/main.js')], { cwd: app, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ areas: [3, 13, 28], viaFuture: 3, failed: 'RangeError' });
  }, SLOW);

  test('a CommonJS script can require() it, and exits on its own', async () => {
    const { stdout } = await run(process.execPath, [join(app, 'main.cjs')], { cwd: app, env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ platform: process.platform });
  }, SLOW);
});
