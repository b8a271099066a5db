import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer, type LogServer } from '../../src/log/server.js';
import { getLogAddress, LOG_ADDRESS_ENV, PROCESS_NAME_ENV } from '../../src/process/output-sink.js';
import { feedLines, perTestCleanup } from '../helpers/child-lines.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/log/log-child.ts', import.meta.url));

const { children, cleanups } = perTestCleanup(afterEach);

/**
 * Starts the fixture the way the spawner will: name and log address in the environment,
 * stdout/stderr piped through a LineSplitter into the registered output sink.
 * Resolves when the child has exited and both pipes are drained.
 */
function runChild(name: string, args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    env: { ...process.env, [PROCESS_NAME_ENV]: name, [LOG_ADDRESS_ENV]: getLogAddress(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const pid = child.pid!;
  feedLines(child.stdout!, name, pid, 'stdout');
  feedLines(child.stderr!, name, pid, 'stderr');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, pid })));
}

function collect(server: LogServer): { records: LogRecord[]; until: (predicate: (rs: LogRecord[]) => boolean) => Promise<void> } {
  const records: LogRecord[] = [];
  let check = (): void => undefined;
  cleanups.push(
    server.onRecords((batch) => {
      records.push(...batch);
      check();
    }),
  );
  return {
    records,
    until: (predicate) =>
      new Promise((resolve) => {
        check = () => {
          if (predicate(records)) resolve();
        };
        check();
      }),
  };
}

async function startServer(): Promise<LogServer> {
  const server = await startLogServer({ console: false, dir: false });
  cleanups.push(() => server.close());
  return server;
}

const of = (records: LogRecord[], name: string, stream: LogRecord['stream']): string[] =>
  records.filter((r) => r.process === name && r.stream === stream).map((r) => r.msg);

const seq = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

describe('logging from real child processes', () => {
  test('three children: every record arrives once, attributed to its process, in per-process order', async () => {
    const server = await startServer();
    const seen = collect(server);
    const n = 200;
    const runs = await Promise.all([
      runChild('alpha', [String(n), 'end']),
      runChild('beta', [String(n), 'exit']),
      runChild('gamma', [String(n), 'crash']),
    ]);
    const [alpha, beta, gamma] = runs;
    expect(alpha!.code).toBe(0);
    expect(beta!.code).toBe(3);
    expect(gamma!.code).toBe(1);
    // the pipes are drained; the logger records travel on their own socket
    await seen.until(
      (rs) =>
        rs.some((r) => r.process === 'alpha' && r.msg === 'done') &&
        rs.some((r) => r.process === 'beta' && r.msg === 'exiting now') &&
        rs.some((r) => r.process === 'gamma' && r.msg === 'about to crash'),
    );
    const rs = seen.records;

    for (const [name, run] of [['alpha', alpha], ['beta', beta], ['gamma', gamma]] as const) {
      const logs = rs.filter((r) => r.process === name && r.stream === 'log');
      expect(logs.every((r) => r.pid === run!.pid && r.logger === 'fixture')).toBe(true);
      expect(logs.slice(0, n).map((r) => r.msg)).toEqual(seq('log', n));
      expect(logs.slice(0, n).map((r) => r.meta?.seq)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(logs.some((r) => r.msg.includes('never sent'))).toBe(false);
      // nothing printed twice: logger records never show up as output lines
      expect(of(rs, name, 'stdout').slice(0, n)).toEqual(seq('out', n));
      expect(of(rs, name, 'stderr').slice(0, n)).toEqual(seq('err', n));
      expect(rs.filter((r) => r.process === name && r.stream !== 'log' && r.msg.startsWith('log '))).toEqual([]);
      const outputs = rs.filter((r) => r.process === name && r.stream !== 'log');
      expect(outputs.every((r) => r.pid === run!.pid)).toBe(true);
    }
    expect(of(rs, 'alpha', 'log').slice(n)).toEqual(['done']);
    expect(of(rs, 'beta', 'log').slice(n)).toEqual(['exiting now']);
    expect(rs.find((r) => r.process === 'beta' && r.msg === 'exiting now')!.level).toBe('warn');
    // the crash: its last logger record, its unterminated last stdout line, and its stack on stderr
    expect(of(rs, 'gamma', 'log').slice(n)).toEqual(['about to crash']);
    expect(of(rs, 'gamma', 'stdout').slice(n)).toEqual(['unterminated last words']);
    expect(of(rs, 'gamma', 'stderr').slice(n).join('\n')).toMatch(/Error: fixture crash\n\s+at /);
    expect(rs.filter((r) => r.stream === 'stderr').every((r) => r.level === 'warn' && !r.msg.endsWith('\r'))).toBe(true);
  });

  test('without a log server a child logs to its own console, formatted', async () => {
    const server = await startServer();
    const seen = collect(server);
    const run = await runChild('loner', ['1', 'end'], { [LOG_ADDRESS_ENV]: undefined });
    expect(run.code).toBe(0);
    await seen.until((rs) => rs.some((r) => r.process === 'loner' && r.msg.endsWith('done')));
    expect(seen.records.filter((r) => r.stream === 'log')).toEqual([]);
    expect(of(seen.records, 'loner', 'stdout')).toEqual([
      `[loner:${run.pid}] info fixture: log 0 {"seq":0}`,
      'out 0',
      `[loner:${run.pid}] info fixture: done`,
    ]);
  });
});
