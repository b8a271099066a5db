/**
 * Records reach terminals: the parent's console and `zeroproc logs`. Whatever a process writes
 * or logs must show there as text, never act as a terminal command or pass for another record.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer } from '../../src/log/server.js';
import { LOG_ADDRESS_ENV, PROCESS_NAME_ENV } from '../../src/process/output-sink.js';
import { feedLines, perTestCleanup } from '../helpers/child-lines.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/log/hostile-child.ts');
const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

const { children, cleanups } = perTestCleanup(afterEach);

/** C0 controls but tab and line feed, DEL, C1: none may reach a terminal raw. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const STDOUT_LINE = 'title \\x1b]0;pwned\\x07 clip \\x1b]52;c;ZWNobyBoaQ==\\x07 clear \\x1b[2J\\x1b[H bell \\x07 back \\x08\\x08 cr \\rhidden';

/** Runs the hostile child under a LogServer writing to a fresh directory; returns what the console showed. */
async function logHostileChild(): Promise<{ dir: string; console: string; records: LogRecord[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'zeroproc-term-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const out = new PassThrough();
  let printed = '';
  out.on('data', (c: Buffer) => (printed += c.toString()));
  const server = await startLogServer({ dir, console: out, colors: false });
  cleanups.push(() => server.close());
  const records: LogRecord[] = [];
  let loggerRecordArrived: () => void;
  const loggerRecord = new Promise<void>((resolve) => (loggerRecordArrived = resolve));
  cleanups.push(
    server.onRecords((batch) => {
      records.push(...batch);
      if (batch.some((r) => r.stream === 'log')) loggerRecordArrived();
    }),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, [PROCESS_NAME_ENV]: 'hostile', [LOG_ADDRESS_ENV]: server.address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  feedLines(child.stdout!, 'hostile', child.pid!, 'stdout');
  feedLines(child.stderr!, 'hostile', child.pid!, 'stderr');
  await new Promise((resolve) => child.on('close', resolve));
  // the logger record travels over a socket and may land after the pipes closed
  await loggerRecord;
  await server.close();
  return { dir, console: printed, records };
}

describe('terminal safety', () => {
  test('the parent console shows control characters escaped, one line per record', async () => {
    const { console: text, records } = await logHostileChild();
    expect(records).toHaveLength(2);
    expect(text).not.toMatch(RAW_CONTROL);
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`[hostile:${records[0]!.pid}] stdout ${STDOUT_LINE}`);
    expect(lines).toContain(`[hostile:${records[0]!.pid}] warn app: all fine\\n[db:1] error app: FORGED {"note":"c1 \\x9b31m"}`);
  });

  test('zeroproc logs escapes them too; --json keeps the records as they are; --raw prints them raw', async () => {
    const { dir, records } = await logHostileChild();
    const run = (...args: string[]) => execa(process.execPath, [...CLI, 'logs', '--dir', dir, ...args], { cwd: ROOT, env: { NO_COLOR: '1' } });

    const text = await run();
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    const lines = text.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.endsWith(`stdout ${STDOUT_LINE}`))).toBe(true);
    expect(lines.some((l) => l.startsWith('[db:1]'))).toBe(false);

    const json = await run('--json');
    expect(json.stdout.split('\n').map((l) => JSON.parse(l) as LogRecord)).toEqual(records);

    const raw = await run('--raw');
    expect(raw.stdout).toContain('\x1b]52;c;ZWNobyBoaQ==\x07');
    expect(raw.stdout.split('\n')).toContain('[db:1] error app: FORGED {"note":"c1 \u009b31m"}');
  });

  test('stack lines are indented and escaped, so none passes for a record', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString()));
    const server = await startLogServer({ dir: false, console: out, colors: false, register: false });
    server.ingest({ time: 1, host: 'h', process: 'p', pid: 1, logger: '', stream: 'log', level: 'error', msg: 'boom', stack: 'Error: boom\n[db:1] info app: FORGED\x1b[2J\n    at f (x.js:1:1)' });
    await server.close();
    expect(printed).toBe('[p:1@h] error boom\n    [db:1] info app: FORGED\\x1b[2J\n    at f (x.js:1:1)\n');
  });
});
