/**
 * The LogServer admits only its own user: a process of another uid can neither push records nor
 * subscribe, and `zeroproc logs --connect` says why it cannot (the suite runs as root, so it can
 * start the stranger as `nobody`); the log files are this user's alone.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer, type LogServer } from '../../src/log/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NOBODY = 65534;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Runs `args` with node as uid/gid `nobody`; resolves with its exit code and output. */
function runAsNobody(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { uid: NOBODY, gid: NOBODY, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function serverWithSecrets(): Promise<{ server: LogServer; records: LogRecord[] }> {
  const server = await startLogServer({ dir: false, console: false });
  cleanups.push(() => server.close());
  const records: LogRecord[] = [];
  cleanups.push(server.onRecords((batch) => records.push(...batch)));
  // something worth stealing goes out all the time, so a subscriber that got in would read it
  let n = 0;
  const ticker = setInterval(() => {
    server.ingest({ time: Date.now(), host: 'h', process: 'victim', pid: 4242, logger: 'db', stream: 'log', level: 'info', msg: `SECRET ${n++}` });
  }, 20);
  cleanups.push(() => clearInterval(ticker));
  return { server, records };
}

describe('LogServer access', () => {
  test('a process of another user can neither push forged records nor subscribe', async () => {
    const { server, records } = await serverWithSecrets();
    const attack = await runAsNobody([join(ROOT, 'test/fixtures/log/stranger.mjs'), server.address, server.pubAddress, 'victim', '4242']);
    expect({ code: attack.code, stderr: attack.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(attack.stdout)).toEqual({ pull: 'EACCES', pub: 'EACCES', received: 0 });
    expect(records.filter((r) => r.msg === 'FORGED')).toEqual([]);
    expect(records.filter((r) => r.msg.startsWith('SECRET')).length).toBeGreaterThan(0);
  });

  test('zeroproc logs --connect as another user fails with a clear error, exit code 2', async () => {
    const { server } = await serverWithSecrets();
    const r = await runAsNobody([join(ROOT, 'dist/src/cli/main.js'), 'logs', '--connect', server.pubAddress, '--timeout', '2000']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`zeroproc logs: cannot reach a LogServer at ${server.pubAddress}: permission denied (a LogServer admits only the user that started it)\n`);
    expect(r.code).toBe(2);
  });
});

describe('log files', () => {
  const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

  function tmpDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'zeroproc-modes-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  test('are 0600, rotated ones too, in a directory created 0700', async () => {
    const dir = join(tmpDir(), 'nested', 'logs');
    const server = await startLogServer({ dir, console: false, register: false, rotate: { maxBytes: 400, maxFiles: 3 } });
    for (let i = 0; i < 20; i++) server.ingest({ time: 1, host: 'h', process: 'p', pid: 1, logger: '', stream: 'log', level: 'info', msg: `secret ${i}` });
    await server.close();
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(join(dir, '..'))).toBe('700');
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['zeroproc.log', 'zeroproc.log.1', 'zeroproc.log.2', 'zeroproc.log.3']);
    expect(files.map((f) => modeOf(join(dir, f)))).toEqual(['600', '600', '600', '600']);
  });

  test('an existing log directory open to others (log files and dotfiles only) is made private', async () => {
    const dir = join(tmpDir(), 'logs');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, '.gitkeep'), '');
    writeFileSync(join(dir, 'zeroproc.log.1'), '');
    const server = await startLogServer({ dir, console: false, register: false });
    await server.close();
    expect(modeOf(dir)).toBe('700');
  });

  test('an existing directory open to others that holds other files is kept, with a warning; an open log file is tightened', async () => {
    const dir = join(tmpDir(), 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'notes.txt'), '');
    writeFileSync(join(dir, 'zeroproc.log'), '');
    chmodSync(join(dir, 'zeroproc.log'), 0o644);
    const server = await startLogServer({ dir, console: false, register: false });
    const seen: LogRecord[] = [];
    cleanups.push(server.onRecords((batch) => seen.push(...batch)));
    server.ingest({ time: 1, host: 'h', process: 'p', pid: 1, logger: '', stream: 'log', level: 'info', msg: 'secret' });
    await server.close();
    expect(modeOf(dir)).toBe('755');
    expect(modeOf(join(dir, 'zeroproc.log'))).toBe('600');
    const written = readFileSync(join(dir, 'zeroproc.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogRecord);
    expect(written.map((r) => [r.level, r.msg])).toEqual([
      ['warn', `log directory ${dir} is open to other users (mode 0755); the log files are 0600, but \`chmod 700 ${dir}\` keeps their names and sizes private too`],
      ['info', 'secret'],
    ]);
  });
});
