/**
 * `zeroproc nameserver` and `zeroproc names` run as real subprocesses (from source through tsx):
 * the key from a file or the environment only, a TCP bind without one refused, the default
 * private socket found without configuration, one server per socket, a clean stop on SIGTERM.
 */
import { afterEach, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { byRef, connectNameServer } from 'zeroproc';
import { perTestCleanup } from '../helpers/child-lines.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

const { children, cleanups } = perTestCleanup(afterEach);
/** Each test starts CLI processes through tsx (about a second each, more on a busy machine). */
const SLOW = 90_000;

function tmpDir(): string {
  // short: the default socket path lives under it and must fit an ipc path
  const dir = mkdtempSync(join(tmpdir(), 'zpns-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [...CLI, ...args], { reject: false, cwd: ROOT, env: { ZEROPROC_AUTHKEY: '', ZEROPROC_NAMESERVER: '', ...env } });
}

/** Starts `zeroproc nameserver` and resolves with the address it prints. */
async function serve(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [...CLI, 'nameserver', ...args], { cwd: ROOT, env: { ...process.env, ZEROPROC_AUTHKEY: '', ZEROPROC_NAMESERVER: '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const [address] = (await once(lines, 'line')) as [string];
  lines.close();
  return { child, address };
}

test('a TCP name server takes its key from ZEROPROC_AUTHKEY; names lists it (text and JSON); SIGTERM stops it cleanly', async () => {
  const key = randomBytes(24).toString('hex');
  const { child, address } = await serve(['--bind', 'tcp://127.0.0.1:*'], { ZEROPROC_AUTHKEY: key });
  expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  const ns = await connectNameServer(address, { authkey: key });
  cleanups.push(() => ns.close());
  await ns.register('shop.books', byRef({ title: () => 'x' }), { aisle: '3' });
  await ns.register('shop.food', byRef({}), { aisle: '5' });
  const json = await run(['names', 'shop.', '--connect', address, '--json', '--meta', 'aisle=3'], { ZEROPROC_AUTHKEY: key });
  expect(json.stderr).toBe('');
  expect(json.exitCode).toBe(0);
  const lines = json.stdout.split('\n').map((l) => JSON.parse(l) as { name: string; metadata: unknown });
  expect(lines.map((l) => [l.name, l.metadata])).toEqual([['shop.books', { aisle: '3' }]]);
  const text = await run(['names', '--connect', address], { ZEROPROC_AUTHKEY: key });
  expect(text.stdout).toMatch(/^shop\.books {2}\S+ {2}\d{4}-\d\d-\d\dT\S+ {2}aisle=3\nshop\.food {2}/);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  expect(await exited).toEqual([0, null]);
}, SLOW);

test('a TCP bind without a key is refused; a key on the command line is not an option; --authkey-file works', async () => {
  const refused = await run(['nameserver', '--bind', 'tcp://0.0.0.0:*']);
  expect(refused.exitCode).toBe(2);
  expect(refused.stderr).toMatch(/a name server on tcp:\/\/0\.0\.0\.0:\* needs a key: give --authkey-file or set ZEROPROC_AUTHKEY/);
  const argv = await run(['nameserver', '--authkey', 'secret']);
  expect(argv.exitCode).toBe(2);
  expect(argv.stderr).toMatch(/Unknown option '--authkey'/);
  const dir = tmpDir();
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, 'file-key-0123456789\n', { mode: 0o600 });
  const { address } = await serve(['--bind', 'tcp://127.0.0.1:*', '--authkey-file', keyFile], {});
  const listed = await run(['names', '--connect', address, '--authkey-file', keyFile]);
  expect([listed.exitCode, listed.stdout, listed.stderr]).toEqual([0, '', '']);
}, SLOW);

test('by default it binds this user\'s private socket, which names finds unaided; a second server there is refused', async () => {
  const env = { XDG_RUNTIME_DIR: tmpDir() };
  const missing = await run(['names'], env);
  expect(missing.exitCode).toBe(2);
  expect(missing.stderr).toMatch(/no name server at ipc:\/\/.*nameserver\.sock: start one with `zeroproc nameserver`/);
  const { child, address } = await serve([], env);
  expect(address).toBe(`ipc://${env.XDG_RUNTIME_DIR}/zeroproc-${process.getuid!()}/nameserver.sock`);
  const listed = await run(['names'], env);
  expect([listed.exitCode, listed.stdout, listed.stderr]).toEqual([0, '', '']);
  const second = await run(['nameserver'], env);
  expect(second.exitCode).toBe(2);
  expect(second.stderr).toMatch(/a name server already answers at ipc:/);
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  expect(await exited).toEqual([0, null]);
  expect(existsSync(address.slice('ipc://'.length))).toBe(false);
}, SLOW);
