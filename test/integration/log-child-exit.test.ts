/**
 * A child that ends at once (`process.exit()` or an uncaught exception) loses nothing it wrote or
 * logged just before.
 *
 * 1. Output lines, when it writes faster than its parent reads. The parent here is a
 * deliberately slow reader: it does not read the child's pipes until the
 * child exited, or until 2 s after the child said it starts writing. That fills the pipes, which
 * is what a busy parent does by chance (it made log-children.test.ts lose the last ~60 stderr
 * lines of a child in about half the runs). The wait only provokes the condition; with the fix
 * the result does not depend on it: the child's writes block until the parent reads.
 *
 * 2. Logger records, when ZeroMQ has not delivered them yet at the exit. The log server starts
 * only after the child said it sent its records, so nothing can have left the child before it
 * ends: at exit the sender must wait until ZeroMQ's connection took them.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLastRecords } from '../../src/log/reader.js';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer, type LogServer } from '../../src/log/server.js';
import { LineSplitter } from '../../src/process/line-splitter.js';
import { getLogAddress, LOG_ADDRESS_ENV, PROCESS_NAME_ENV } from '../../src/process/output-sink.js';
import { feedLines, perTestCleanup } from '../helpers/child-lines.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/log/burst-child.ts', import.meta.url));
const LATE_FIXTURE = fileURLToPath(new URL('../fixtures/log/late-server-child.ts', import.meta.url));
const EXITING_SERVER_FIXTURE = fileURLToPath(new URL('../fixtures/log/exiting-server.ts', import.meta.url));

/** How long the parent leaves a writing child's pipes unread, in ms. */
const HOLD_MS = 2000;

const { children, cleanups } = perTestCleanup(afterEach);

/**
 * Starts the fixture as the spawner does (pipes, IPC, name and log address in the environment)
 * and reads its pipes into the registered output sink, late. Resolves when the child exited and
 * both pipes are drained.
 */
function runSlowlyRead(name: string, count: number, ending: 'exit' | 'crash'): Promise<{ code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(count), ending], {
    env: { ...process.env, [PROCESS_NAME_ENV]: name, [LOG_ADDRESS_ENV]: getLogAddress() },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.push(child);
  const pid = child.pid!;
  const closed = new Promise<{ code: number | null }>((resolve) => child.on('close', (code) => resolve({ code })));
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  const startReading = (): void => {
    if (reading) return;
    reading = true;
    clearTimeout(timer);
    feedLines(child.stdout!, name, pid, 'stdout');
    feedLines(child.stderr!, name, pid, 'stderr');
  };
  child.once('exit', startReading);
  child.on('message', (message) => {
    if (message === 'writing') timer = setTimeout(startReading, HOLD_MS);
  });
  cleanups.push(() => clearTimeout(timer));
  return closed;
}

async function startServer(): Promise<{ server: LogServer; records: LogRecord[]; until: (p: (rs: LogRecord[]) => boolean) => Promise<void> }> {
  const server = await startLogServer({ console: false, dir: false });
  cleanups.push(() => server.close());
  const records: LogRecord[] = [];
  const waiters: Array<() => void> = [];
  cleanups.push(
    server.onRecords((batch) => {
      records.push(...batch);
      for (const check of waiters) check();
    }),
  );
  const until = (predicate: (rs: LogRecord[]) => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (predicate(records)) resolve();
      };
      waiters.push(check);
      check();
    });
  return { server, records, until };
}

const of = (records: LogRecord[], name: string, stream: LogRecord['stream']): string[] =>
  records.filter((r) => r.process === name && r.stream === stream).map((r) => r.msg);

const lines = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i} ................`);

describe('a child that exits while its parent is behind reading', () => {
  test('loses no stdout or stderr line, on process.exit() or on a crash', async () => {
    const { records, until } = await startServer();
    const n = 2000;
    const [exited, crashed] = await Promise.all([runSlowlyRead('exits', n, 'exit'), runSlowlyRead('crashes', n, 'crash')]);
    expect(exited.code).toBe(3);
    expect(crashed.code).toBe(1);
    // the pipes are drained (close); the logger records travel on their own socket
    await until((rs) => ['exits', 'crashes'].every((name) => rs.some((r) => r.process === name && r.msg === 'burst written')));

    expect(of(records, 'exits', 'stdout')).toEqual(lines('out', n));
    expect(of(records, 'exits', 'stderr')).toEqual(lines('err', n));
    expect(of(records, 'crashes', 'stdout')).toEqual([...lines('out', n), 'unterminated last words']);
    expect(of(records, 'crashes', 'stderr').slice(0, n)).toEqual(lines('err', n));
    expect(of(records, 'crashes', 'stderr').slice(n).join('\n')).toMatch(/Error: burst crash\n\s+at /);
    for (const name of ['exits', 'crashes']) expect(of(records, name, 'log')).toEqual(['burst written']);
  });
});

describe('a child that exits before its log server listens', () => {
  test('its records arrive, whether they were still queued or already in ZeroMQ, on exit or on a crash', async () => {
    // an address nobody listens on until the children have sent (a fresh ipc path: a freed TCP
    // port could be taken meanwhile by any other connection on the machine)
    const dir = mkdtempSync(join(tmpdir(), 'zeroproc-late-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const address = `ipc://${join(dir, 'log.ipc')}`;

    const n = 50;
    const endings = ['now', 'later', 'crash'] as const;
    const runs = endings.map((ending) => {
      const child = spawn(process.execPath, ['--import', 'tsx', LATE_FIXTURE, String(n), ending], {
        env: { ...process.env, [PROCESS_NAME_ENV]: ending, [LOG_ADDRESS_ENV]: address },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const splitter = new LineSplitter();
      const sent = new Promise<void>((resolve) => {
        child.stdout!.on('data', (c: Buffer) => {
          if (splitter.push(c).some((l) => l.line === 'sent')) resolve();
        });
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { ending, sent, closed, stderr: () => stderr };
    });
    // a child that ended without saying `sent` fails here rather than hanging the test
    await Promise.race([Promise.all(runs.map((r) => r.sent)), Promise.all(runs.map((r) => r.closed))]);

    const server = await startLogServer({ address, console: false, dir: false, register: false });
    cleanups.push(() => server.close());
    const records: LogRecord[] = [];
    let check = (): void => undefined;
    cleanups.push(
      server.onRecords((batch) => {
        records.push(...batch);
        check();
      }),
    );
    const codes = await Promise.all(runs.map((r) => r.closed));
    expect(codes).toEqual([3, 3, 1]);
    expect(runs[2]!.stderr()).toMatch(/Error: late crash/);
    // what the children's connections took reaches the server a moment after they are gone
    const all = (): boolean => endings.every((e) => records.filter((r) => r.process === e).length >= n);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      check = () => {
        if (all()) {
          clearTimeout(timer);
          resolve();
        }
      };
      check();
    });
    for (const ending of endings) {
      expect([ending, records.filter((r) => r.process === ending).map((r) => r.msg)]).toEqual([ending, Array.from({ length: n }, (_, i) => `rec ${i}`)]);
    }
  });
});

describe('a process running a LogServer that ends right after logging', () => {
  test('its records still reach the log file, on process.exit() or on a crash', async () => {
    const n = 100;
    for (const ending of ['exit', 'crash'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'zeroproc-exiting-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const child = spawn(process.execPath, ['--import', 'tsx', EXITING_SERVER_FIXTURE, dir, String(n), ending], { stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect([ending, code]).toEqual([ending, ending === 'exit' ? 3 : 1]);
      if (ending === 'crash') expect(stderr).toMatch(/server process crash/);
      const { records } = await readLastRecords(dir, Infinity);
      expect([ending, records.map((r) => r.msg)]).toEqual([ending, Array.from({ length: n }, (_, i) => `rec ${i}`)]);
    }
  });
});
