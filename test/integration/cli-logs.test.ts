/**
 * `zeroproc logs` run as a real subprocess, from source through tsx (no build step needed).
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer, type LogServer } from '../../src/log/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
const NOW = Date.now();

const children: ChildProcess[] = [];
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      await gone;
    }
  }
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zeroproc-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rec(i: number, extra: Partial<LogRecord> = {}): LogRecord {
  return {
    time: NOW - 3_600_000 + i * 1_000,
    host: 'testhost',
    process: i % 2 === 0 ? 'worker-1' : 'db',
    pid: 100 + (i % 2),
    logger: 'app',
    stream: 'log',
    level: 'info',
    msg: `message ${i}`,
    ...extra,
  };
}

const lines = (records: LogRecord[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** A log directory with 30 records: 0-9 in the rotated file, 10-29 in the live one. */
function sampleDir(): { dir: string; records: LogRecord[] } {
  const dir = tmpDir();
  const records = Array.from({ length: 30 }, (_, i) => rec(i));
  records[12] = rec(12, { level: 'error', msg: 'disk full', stack: 'Error: disk full\n    at write (fs.js:1:1)' });
  records[13] = rec(13, { stream: 'stderr', level: 'warn', logger: '', msg: 'deprecated call' });
  records[14] = rec(14, { stream: 'stdout', logger: '', msg: 'plain output' });
  records[29] = rec(29, { time: NOW - 60_000, msg: 'recent one' });
  writeFileSync(join(dir, 'zeroproc.log.1'), lines(records.slice(0, 10)));
  writeFileSync(join(dir, 'zeroproc.log'), `${lines(records.slice(10, 20))}not json\n${lines(records.slice(20))}`);
  return { dir, records };
}

function run(args: string[]) {
  return execa(process.execPath, [...CLI, ...args], { reject: false, cwd: ROOT, env: { NO_COLOR: '', FORCE_COLOR: '' } });
}

const out = (stdout: string): string[] => stdout.split('\n').filter(Boolean);

/** A running `zeroproc logs` whose output lines can be awaited. */
function start(args: string[]): { child: ChildProcess; stdout: string[]; stderr: string[]; waitFor: (pred: (lines: string[]) => boolean, which?: 'stdout' | 'stderr') => Promise<void> } {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const collected = { stdout: [] as string[], stderr: [] as string[] };
  const waiters: Array<() => void> = [];
  let exited = false;
  for (const which of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[which]!.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      collected[which].push(...parts);
      for (const w of [...waiters]) w();
    });
  }
  child.on('exit', () => {
    exited = true;
    for (const w of [...waiters]) w();
  });
  return {
    child,
    ...collected,
    waitFor: (pred, which = 'stdout') =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pred(collected[which])) {
            waiters.splice(waiters.indexOf(check), 1);
            resolve();
          } else if (exited) {
            reject(new Error(`zeroproc logs exited early:\n${collected.stdout.join('\n')}\n${collected.stderr.join('\n')}`));
          }
        };
        waiters.push(check);
        check();
      }),
  };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('zeroproc logs', () => {
  test('prints the last 20 records by default, across rotated files, as [name:pid] level message', async () => {
    const { dir, records } = sampleDir();
    const r = await run(['logs', '--dir', dir]);
    expect(r.exitCode).toBe(0);
    const printed = out(r.stdout);
    expect(printed[0]).toBe('[worker-1:100@testhost] info app: message 10');
    expect(printed).toContain('[db:101@testhost] stderr deprecated call');
    expect(printed).toContain('[worker-1:100@testhost] stdout plain output');
    expect(printed).toContain('    at write (fs.js:1:1)');
    expect(printed.at(-1)).toBe('[db:101@testhost] info app: recent one');
    expect(printed.filter((l) => l.startsWith('['))).toHaveLength(20);
    expect(r.stdout).not.toMatch(/\x1b\[/); // not a terminal: no colours
    expect(r.stderr).toMatch(/skipped 1 line/);
    expect(records).toHaveLength(30);
  });

  test('-n takes the last N, reaching into the rotated file; -n all takes everything', async () => {
    const { dir } = sampleDir();
    const r = await run(['logs', '--dir', dir, '-n', '25', '--json']);
    const got = out(r.stdout).map((l) => (JSON.parse(l) as LogRecord).msg);
    expect(got).toHaveLength(25);
    expect(got[0]).toBe('message 5');
    expect(got.at(-1)).toBe('recent one');
    expect(out((await run(['logs', '--dir', dir, '-n', 'all', '--json'])).stdout)).toHaveLength(30);
    expect(out((await run(['logs', '--dir', dir, '-n', '0'])).stdout)).toEqual([]);
  });

  test('--json prints the stored records unchanged', async () => {
    const { dir, records } = sampleDir();
    const r = await run(['logs', '--dir', dir, '-n', '3', '--json']);
    expect(out(r.stdout).map((l) => JSON.parse(l))).toEqual(records.slice(27));
  });

  // fourteen CLI runs through tsx: over 30 s when the machine is busy
  test('filters: --process glob, --level, --stream, --grep, --since, combined', async () => {
    const { dir } = sampleDir();
    const msgs = async (...args: string[]): Promise<string[]> =>
      out((await run(['logs', '--dir', dir, '-n', 'all', '--json', ...args])).stdout).map((l) => (JSON.parse(l) as LogRecord).msg);

    const procs = async (...args: string[]): Promise<string[]> =>
      out((await run(['logs', '--dir', dir, '-n', 'all', '--json', ...args])).stdout).map((l) => (JSON.parse(l) as LogRecord).process);
    expect(await procs('--process', 'work*')).toEqual(Array(15).fill('worker-1'));
    expect(await procs('--process', 'd?')).toEqual(Array(15).fill('db'));
    expect(await procs('-p', 'd?', '-p', 'worker-1')).toHaveLength(30);
    expect(await msgs('--process', 'nobody')).toEqual([]);
    expect(await msgs('--level', 'warn')).toEqual(['disk full', 'deprecated call']);
    expect(await msgs('--level', 'ERROR')).toEqual(['disk full']);
    expect(await msgs('--stream', 'stdout,stderr')).toEqual(['deprecated call', 'plain output']);
    expect(await msgs('-s', 'stderr')).toEqual(['deprecated call']);
    expect(await msgs('--grep', 'fs.js')).toEqual(['disk full']);
    expect(await msgs('--since', '10m')).toEqual(['recent one']);
    expect(await msgs('--since', new Date(NOW - 3_600_000 + 27_500).toISOString())).toEqual(['message 28', 'recent one']);
    expect(await msgs('--process', 'worker-*', '--level', 'warn')).toEqual(['disk full']);
    // with a filter, -n counts matching records
    expect(out((await run(['logs', '--dir', dir, '-n', '2', '--json', '--process', 'db'])).stdout).map((l) => (JSON.parse(l) as LogRecord).msg)).toEqual(['message 27', 'recent one']);
  }, 60_000);

  test('clear errors with exit code 2: missing directory, bad flags, bad values, unreachable address', async () => {
    const missing = await run(['logs', '--dir', join(tmpDir(), 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/log directory ".*nope" does not exist/);

    const unknown = await run(['logs', '--frobnicate']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'[\s\S]*zeroproc logs --help/);

    for (const [args, message] of [
      [['--level', 'loud'], /unknown level "loud"/],
      [['--stream', 'stdin'], /unknown stream "stdin"/],
      [['-n', 'many'], /-n expects a number/],
      [['--since', 'last tuesday'], /cannot read time/],
    ] as const) {
      const r = await run(['logs', '--dir', tmpDir(), ...args]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(message);
    }

    // an endpoint nothing listens on: bind one, note it, close it
    const server = await startLogServer({ dir: false, console: false });
    const deadAddress = server.pubAddress;
    await server.close();
    const unreachable = await run(['logs', '--connect', deadAddress]);
    expect(unreachable.exitCode).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach a LogServer at ipc:\/\/\S+: (connection refused|no such socket)/);

    const garbage = await run(['logs', '--connect', 'not-an-endpoint']);
    expect(garbage.exitCode).toBe(2);
    expect(garbage.stderr).toMatch(/--connect "not-an-endpoint" is not a ZeroMQ address/);
  });

  test('a record whose time no Date can hold is skipped as malformed, not a crash of -t', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'zeroproc.log'), lines([rec(0, { time: 1e20, msg: 'from the far future' }), rec(1, { msg: 'fine' })]));
    const r = await run(['logs', '--dir', dir, '-t']);
    expect(r.stderr).toMatch(/skipped 1 line/);
    expect(r.exitCode).toBe(0);
    expect(out(r.stdout)).toEqual([`${new Date(rec(1).time).toISOString()} [db:101@testhost] info app: fine`]);
  });

  test('--timeout beyond what a timer can wait is refused, not a failure to reach a live server', async () => {
    const server = await startLogServer({ dir: false, console: false });
    cleanups.push(() => server.close());
    const r = await run(['logs', '--connect', server.pubAddress, '--timeout', String(2 ** 31)]);
    expect(r.stderr).toMatch(/--timeout expects a number of milliseconds from 1 to 2147483647, got "2147483648"/);
    expect(r.exitCode).toBe(2);
  });

  test('zeroproc --help lists the commands; an unknown command is an error', async () => {
    const help = await run(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Commands:\n\s+logs\s+/);
    const logsHelp = await run(['logs', '--help']);
    expect(logsHelp.exitCode).toBe(0);
    expect(logsHelp.stdout).toMatch(/--follow/);
    const bad = await run(['fly']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "fly"/);
  });

  test('-f prints new records as they are written, across rotation, each once and in order', async () => {
    const dir = tmpDir();
    const server: LogServer = await startLogServer({ dir, console: false, rotate: { maxBytes: 2_000, maxFiles: 50 } });
    cleanups.push(() => server.close());
    server.ingest(rec(0, { msg: 'before start' }));
    await server.close(); // flushed to disk

    const tail = start(['logs', '--dir', dir, '-f', '-n', '1', '--process', 'worker-*', '--json']);
    // the history is printed once the follower is in place
    await tail.waitFor((ls) => ls.length === 1);
    expect((JSON.parse(tail.stdout[0]!) as LogRecord).msg).toBe('before start');

    const live = await startLogServer({ dir, console: false, rotate: { maxBytes: 2_000, maxFiles: 50 } });
    cleanups.push(() => live.close());
    for (let i = 1; i <= 100; i++) live.ingest(rec(i, { msg: `live ${i}` }));
    live.ingest(rec(102, { msg: 'the end' }));
    await tail.waitFor((ls) => ls.some((l) => l.includes('"the end"')));

    const got = tail.stdout.filter(Boolean).map((l) => (JSON.parse(l) as LogRecord).msg);
    const expected = ['before start', ...Array.from({ length: 50 }, (_, k) => `live ${2 * (k + 1)}`), 'the end'];
    expect(got).toEqual(expected);
    expect(await stop(tail.child)).toBe(0);
  });

  test('-f on an empty directory picks up the first file when it appears', async () => {
    const dir = tmpDir();
    const tail = start(['logs', '--dir', dir, '-f']);
    await tail.waitFor((ls) => ls.some((l) => l.includes('following')), 'stderr');
    const server = await startLogServer({ dir, console: false });
    cleanups.push(() => server.close());
    server.ingest(rec(0, { msg: 'hello' }));
    await tail.waitFor((ls) => ls.length > 0);
    expect(tail.stdout).toEqual(['[worker-1:100@testhost] info app: hello']);
    expect(await stop(tail.child)).toBe(0);
  });

  test('--connect shows records live from a LogServer PUB socket, filtered', async () => {
    const server = await startLogServer({ dir: false, console: false });
    cleanups.push(() => server.close());
    const tail = start(['logs', '--connect', server.pubAddress, '--process', 'db', '-t']);
    await tail.waitFor((ls) => ls.some((l) => l.includes('connected to')), 'stderr');
    // a subscription reaches the publisher some time after the handshake: publish until seen
    let i = 0;
    const ticker = setInterval(() => {
      server.ingest(rec(0, { msg: `not shown ${i}` }));
      server.ingest(rec(1, { msg: `shown ${i++}` }));
    }, 50);
    cleanups.push(() => clearInterval(ticker));
    await tail.waitFor((ls) => ls.length >= 2);
    clearInterval(ticker);
    expect(tail.stdout.every((l) => /^\d{4}-\d\d-\d\dT.*Z \[db:101@testhost\] info app: shown \d+$/.test(l))).toBe(true);
    expect(await stop(tail.child)).toBe(0);
  });

  test('pm2 habits: a positional process name, zeroproc help logs, --version', async () => {
    const { dir } = sampleDir();
    const byName = await run(['logs', '--dir', dir, 'db', '-n', 'all', '--json']);
    expect(byName.exitCode).toBe(0);
    const names = out(byName.stdout).map((l) => (JSON.parse(l) as LogRecord).process);
    expect(names.length).toBe(15);
    expect(new Set(names)).toEqual(new Set(['db']));
    const both = await run(['logs', '--dir', dir, 'db', 'worker-*', '-n', 'all', '--json']);
    expect(out(both.stdout)).toHaveLength(30);

    const help = await run(['help', 'logs']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: zeroproc logs \[options\] \[NAME\.\.\.\]/);
    const version = await run(['--version']);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  test('-f waits for a log directory that does not exist yet', async () => {
    const dir = join(tmpDir(), 'later', 'logs');
    const tail = start(['logs', '--dir', dir, '-f']);
    await tail.waitFor((ls) => ls.some((l) => l.includes('waiting for')), 'stderr');
    const server = await startLogServer({ dir, console: false });
    cleanups.push(() => server.close());
    server.ingest(rec(0, { msg: 'first words' }));
    await tail.waitFor((ls) => ls.length > 0);
    expect(tail.stdout).toEqual(['[worker-1:100@testhost] info app: first words']);
    expect(await stop(tail.child)).toBe(0);
  });
});
