/**
 * Floods: memory stays bounded, and no record is dropped without a count that reaches the log.
 * Real processes throughout: a LogServer process, a `zeroproc logs --connect` subscriber that
 * stops reading (SIGSTOP), children that log faster than anyone takes it.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer } from '../../src/log/server.js';
import { LOG_ADDRESS_ENV, PROCESS_NAME_ENV } from '../../src/process/output-sink.js';
import { feedLines, perTestCleanup } from '../helpers/child-lines.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string => join(ROOT, 'test/fixtures/log', name);

const { children, cleanups } = perTestCleanup(afterEach);

/** A process whose stdout lines can be awaited. */
function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; lines: string[]; stderr: () => string; next: (pred: (line: string) => boolean) => Promise<string> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.on('exit', () => {
    for (const w of [...waiters]) w();
  });
  let seen = 0;
  const next = (pred: (line: string) => boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        for (; seen < lines.length; seen++) {
          if (pred(lines[seen]!)) {
            waiters.splice(waiters.indexOf(check), 1);
            resolve(lines[seen++]!);
            return;
          }
        }
        if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`process ended early: ${stderr}`));
      };
      waiters.push(check);
      check();
    });
  return { child, lines, stderr: () => stderr, next };
}

const MiB = 1024 * 1024;

describe('log floods', () => {
  test('a subscriber that stops reading costs the server bounded memory, and learns how many records it missed', async () => {
    const COUNT = 150_000; // about 300 MiB of records
    const server = start(['--expose-gc', '--import', 'tsx', fixture('flood-server.ts'), String(COUNT)]);
    const { pubAddress } = JSON.parse(await server.next((l) => l.startsWith('{'))) as { pubAddress: string };
    const sub = start(['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'logs', '--connect', pubAddress, '--json'], { NO_COLOR: '1' });
    await sub.next((l) => l.includes('"warm '));
    sub.child.kill('SIGSTOP');
    cleanups.push(() => sub.child.kill('SIGCONT'));

    server.child.stdin!.write('flood\n');
    const { base, peak } = JSON.parse(await server.next((l) => l.includes('"peak"'))) as { base: number; peak: number };
    sub.child.kill('SIGCONT');
    server.child.stdin!.write('end\n');
    const firstEnd = JSON.parse(await sub.next((l) => l.includes('"end '))) as LogRecord;

    const records = sub.lines.map((l) => JSON.parse(l) as LogRecord);
    const flood = records.filter((r) => r.msg.startsWith('flood ')).length;
    const missed = records
      .filter((r) => r.process === 'zeroproc-logs')
      .map((r) => Number(/^(\d+) record\(s\) missed: this subscriber fell behind/.exec(r.msg)![1]))
      .reduce((a, b) => a + b, 0);
    // stated bound: 200 MiB for a 300 MiB flood. ZeroMQ may hold 32 MiB for the stuck subscriber,
    // the flood's own garbage takes about 80 MiB; unbounded, the server grew by 340 MiB
    expect({ growthMiB: Math.round((peak - base) / MiB), under: peak - base < 200 * MiB }).toEqual({ growthMiB: expect.any(Number), under: true });
    expect(missed).toBeGreaterThan(0);
    // every flood record either arrived or was counted (and so was each `end` record before the first seen)
    expect(flood + missed).toBe(COUNT + Number(firstEnd.msg.split(' ')[1]));
  }, 90_000);

  test('records a child could not hand over before exiting are counted on its stderr, which reaches the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zeroproc-flood-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = await startLogServer({ dir: false, console: false });
    cleanups.push(() => server.close());
    const records: LogRecord[] = [];
    cleanups.push(server.onRecords((batch) => records.push(...batch)));
    // its logger sends to an address where no server listens: nothing it logs can be delivered
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('flood-child.ts'), '20000', 'exit', 'sync'], {
      env: { ...process.env, [PROCESS_NAME_ENV]: 'flooder', [LOG_ADDRESS_ENV]: `ipc://${join(dir, 'nobody.sock')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    feedLines(child.stdout!, 'flooder', child.pid!, 'stdout');
    feedLines(child.stderr!, 'flooder', child.pid!, 'stderr');
    await new Promise((resolve) => child.on('close', resolve));
    expect(records.map((r) => `${r.stream} ${r.msg}`)).toEqual([
      `stderr zeroproc: 20001 log record(s) dropped at exit: the log server at ipc://${join(dir, 'nobody.sock')} did not take them within 1000 ms`,
    ]);
  });

  test('a console that does not keep up gets no more than 16 MiB queued; what it skipped is counted in a notice', async () => {
    /** A console stream whose writes complete only once released. */
    class StalledConsole extends Writable {
      text = '';
      private held: (() => void) | undefined;
      private released = false;
      override _write(chunk: Buffer, _encoding: string, done: () => void): void {
        this.text += chunk.toString();
        if (this.released) done();
        else this.held = done;
      }
      release(): void {
        this.released = true;
        this.held?.();
      }
    }
    const out = new StalledConsole();
    const server = await startLogServer({ dir: false, console: out, colors: false, register: false });
    cleanups.push(() => server.close());
    const pad = 'q'.repeat(1_000);
    for (let i = 0; i < 20_000; i++) server.ingest({ time: 1, host: 'h', process: 'p', pid: 1, logger: '', stream: 'log', level: 'info', msg: `line ${i} ${pad}` });
    expect(out.writableLength).toBeLessThan(17 * MiB);
    const skipped = server.stats.notPrinted;
    expect(skipped).toBeGreaterThan(0);
    out.release();
    await new Promise((resolve) => setImmediate(resolve));
    server.ingest({ time: 1, host: 'h', process: 'p', pid: 1, logger: '', stream: 'log', level: 'info', msg: 'after' });
    const lines = out.text.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes(' info line ')).length + skipped).toBe(20_000);
    expect(lines.slice(-2).map((l) => l.replace(/^\[[^\]]*\] /, ''))).toEqual([
      `warn zeroproc.log-server: ${skipped} record(s) not printed: the console did not keep up`,
      'info after',
    ]);
  });

  test('a child flooding its log server: every record arrives or is counted in a drop notice', async () => {
    const server = await startLogServer({ dir: false, console: false });
    cleanups.push(() => server.close());
    let arrived = 0;
    let counted = 0;
    let over: () => void;
    const done = new Promise<void>((resolve) => (over = resolve));
    cleanups.push(
      server.onRecords((batch) => {
        for (const r of batch) {
          if (r.msg.startsWith('flood ')) arrived++;
          const notice = /^(\d+) log record\(s\) dropped/.exec(r.msg);
          if (notice) counted += Number(notice[1]);
          if (r.msg === 'flood over' || notice) over();
        }
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('flood-child.ts'), '400000', 'end', 'sync'], {
      env: { ...process.env, [PROCESS_NAME_ENV]: 'flooder', [LOG_ADDRESS_ENV]: server.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    feedLines(child.stdout!, 'flooder', child.pid!, 'stdout');
    feedLines(child.stderr!, 'flooder', child.pid!, 'stderr');
    await new Promise((resolve) => child.on('close', resolve));
    await done;
    // 400 000 flood records and `flood over`
    expect(arrived + counted).toBe(400_001);
  });
});
