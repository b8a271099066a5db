import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AuthError, ImportDeniedError, NotFoundError } from '../../src/errors.js';
import type { ProcessHandle } from '../../src/process/handle.js';
import { spawn } from '../../src/process/spawner.js';
import { createImportProject } from '../helpers/import-project.js';
// through the public door: it wires the callback-server starter as an application gets it
import { ensureLocalServer, getDefaultAuthkey, RPCClient, RPCServer } from '../../src/index.js';

let project: string;
beforeAll(() => {
  project = createImportProject();
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const started: ProcessHandle[] = [];
async function start(opts: Parameters<typeof spawn>[0]): Promise<ProcessHandle> {
  const handle = await spawn(opts);
  started.push(handle);
  return handle;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((h) => h.kill()));
});

async function refusedImport(proc: ProcessHandle, specifier: string): Promise<string> {
  const error = await proc.import(specifier).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportDeniedError);
  return (error as ImportDeniedError).message;
}

describe('import policy of a spawned child', () => {
  test("spawn({ allowImport }) reaches the child, and the README's ../ bypass is refused", async () => {
    const proc = await start({ name: 'allow-workers', cwd: project, allowImport: ['node:os', './workers/'] });
    const task = await proc.import<{ answer: number }>('./workers/task.mjs');
    expect(await task.answer).toBe(42);
    await proc.import('node:os');
    const escape = './workers/../node_modules/runner/index.js';
    expect(await refusedImport(proc, escape)).toBe(
      `import of ${JSON.stringify(escape)} refused on allow-workers: it resolves to ` +
        `${pathToFileURL(join(project, 'node_modules', 'runner', 'index.js')).href}, and no allowImport rule matches it ("node:os", "./workers/")` +
        ' (server allow-workers)',
    );
    expect(await refusedImport(proc, 'node:fs')).toContain('it resolves to node:fs, and no allowImport rule matches it');
  });

  test('by default a child refuses the modules that run code, by any name', async () => {
    const proc = await start({ name: 'default-policy' });
    expect(await refusedImport(proc, 'child_process')).toContain(
      'import of "child_process" refused on default-policy: it resolves to node:child_process, and the default import policy refuses node:child_process, which runs other programs',
    );
    expect(await refusedImport(proc, 'node:vm')).toContain('refuses node:vm, which evaluates code');
    expect(await refusedImport(proc, 'node:worker_threads')).toContain('refuses node:worker_threads');
    expect(await refusedImport(proc, 'data:text/javascript,export default 1')).toContain('loads only file: and node: URLs, not data:');
    // the rest still loads
    const os = await proc.import<typeof import('node:os')>('os');
    expect(typeof (await os.hostname())).toBe('string');
  });

  test('an explicit rule lets a refused module in', async () => {
    const proc = await start({ name: 'explicit', allowImport: ['node:child_process'] });
    const cp = await proc.import<typeof import('node:child_process')>('child_process');
    expect(await cp.execFileSync('/bin/echo', ['explicit'], { encoding: 'utf8' })).toBe('explicit\n');
  });

  test('a RegExp rule reaches the child whole and is tested there on the resolved URL', async () => {
    const proc = await start({ name: 'regexp-rule', allowImport: [/^node:o[s]$/i] });
    await proc.import('os');
    expect(await refusedImport(proc, 'node:fs')).toContain('no allowImport rule matches it (/^node:o[s]$/i)');
  });

  test('allowImport: [] refuses every import', async () => {
    const proc = await start({ name: 'no-imports', allowImport: [] });
    expect(await refusedImport(proc, 'node:os')).toContain('and this server accepts no imports (allowImport: [])');
  });
});

describe("an RPCServer's allow-list", () => {
  test("the README's RegExp no longer lets ../ out of workers/ (it tested the text, import() loads the path)", async () => {
    const workers = join(project, 'workers');
    const escaped = workers.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    // matches the workers' paths as text (main) and as URLs (now): only what it lets through differs
    const authkey = 'import-policy-test';
    const server = await RPCServer.start({ address: 'tcp://127.0.0.1:*', authkey, allowImport: ['node:os', new RegExp(`${escaped}/`)] });
    const client = await RPCClient.connect(server.address, { authkey });
    try {
      const task = await client.import<{ answer: number }>(join(workers, 'task.mjs'));
      expect(await task.answer).toBe(42);
      const error = await client.import(`${workers}/../node_modules/runner/index.js`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ImportDeniedError);
      expect((error as Error).message).toContain(`it resolves to ${pathToFileURL(join(project, 'node_modules', 'runner', 'index.js')).href}, and no allowImport rule matches it`);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('module resolution in a child', () => {
  /** A project that has its own copy of a package zeroproc depends on, exported for import only. */
  function projectWithOwnWinston(): string {
    const dir = mkdtempSync(join(tmpdir(), 'zeroproc-own-deps-'));
    const pkg = join(dir, 'node_modules', 'winston');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'winston', version: '99.0.0', type: 'module', exports: { '.': { import: './esm.js' } } }));
    writeFileSync(join(pkg, 'esm.js'), 'export const version = "the project\'s own";\n');
    return dir;
  }

  test("a bare name is the project's package, found from the child's working directory by ESM rules", async () => {
    const dir = projectWithOwnWinston();
    try {
      const proc = await start({ name: 'own-deps', cwd: dir });
      // zeroproc's own winston (a dependency) is not what the project gets
      const mod = await proc.import<{ version: string }>('winston');
      expect(await mod.version).toBe("the project's own");
      // what the project lacks still comes from zeroproc's installation (zeroproc itself here)
      const os = await proc.import<typeof import('node:os')>('os');
      expect(typeof (await os.hostname())).toBe('string');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a name found nowhere is a NotFoundError saying which name, from where and why', async () => {
    const proc = await start({ name: 'no-such' });
    const error = await proc.import('no-such-package-zp').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toMatch(/^cannot import "no-such-package-zp": it resolves neither from \/\S+ \(the working directory of pid \d+, looked up as a script there would import it\) nor from zeroproc's own installation: Cannot find package 'no-such-package-zp'/);
    const path = await proc.import('./not-here.mjs').then(() => undefined, (e: unknown) => e);
    expect(path).toBeInstanceOf(NotFoundError);
    expect((path as Error).message).toMatch(new RegExp(`^cannot import file://\\S+/not-here\\.mjs: no such file \\(a relative path resolves against the working directory of pid ${proc.pid}, `));
  });
});

describe("a parent's callback server", () => {
  test('accepts no import at all', async () => {
    const server = await ensureLocalServer();
    const client = await RPCClient.connect(server.address, { authkey: getDefaultAuthkey() });
    try {
      const error = await client.import('node:os').then(
        () => undefined,
        (e: unknown) => e,
      );
      // the callback server's `control` is 'nobody': the import is refused before any policy
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(/^importing "node:os" on .+ is not allowed to .+: nobody may do that remotely/);
    } finally {
      client.close();
      await server.close();
    }
  });
});
