import { afterEach, describe, expect, test } from '@jest/globals';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingFile } from '../../src/log/file-writer.js';
import { LogFollower, readLastRecords } from '../../src/log/reader.js';
import type { LogRecord } from '../../src/log/record.js';
import { startLogServer } from '../../src/log/server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zeroproc-rot-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(i: number): LogRecord {
  return { time: 1_000 + i, host: 'h', process: `p${i % 3}`, pid: 1, logger: '', stream: 'log', level: 'info', msg: `record ${String(i).padStart(4, '0')}` };
}

const lineOf = (i: number): string => `${JSON.stringify(record(i))}\n`;

function readKept(dir: string, maxFiles: number): string[] {
  const files = [];
  for (let k = maxFiles; k >= 1; k--) files.push(join(dir, `zeroproc.log.${k}`));
  files.push(join(dir, 'zeroproc.log'));
  return files.filter(existsSync).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
}

describe('size rotation', () => {
  test('keeps at most maxFiles rotated files, each within maxBytes, holding the newest lines in order', async () => {
    const dir = tmpDir();
    const file = new RotatingFile(dir, {
      rotate: { maxBytes: 1_000, maxFiles: 3 },
      dropNotice: () => '',
      onError: (err) => {
        throw err;
      },
    });
    const total = 200;
    for (let i = 0; i < total; i++) file.append(lineOf(i));
    await file.close();

    for (const name of ['zeroproc.log', 'zeroproc.log.1', 'zeroproc.log.2', 'zeroproc.log.3']) {
      expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(1_000);
    }
    expect(existsSync(join(dir, 'zeroproc.log.4'))).toBe(false);
    const kept = readKept(dir, 3).map((l) => (JSON.parse(l) as LogRecord).msg);
    // a contiguous run ending with the last line: nothing reordered, nothing doubled
    const first = Number(kept[0]!.split(' ')[1]);
    expect(kept).toEqual(Array.from({ length: total - first }, (_, k) => record(first + k).msg));
    expect(kept.length).toBeGreaterThan(3 * (1_000 / lineOf(0).length) - 3);
  });

  test('two writers on one directory follow each other\'s rotations and appends', async () => {
    // two LogServers (in one process or two) started on the same ./logs
    const dir = tmpDir();
    const options = { rotate: { maxBytes: 1_000, maxFiles: 50 }, dropNotice: () => '', onError: (err: Error) => { throw err; } };
    const writers = [new RotatingFile(dir, options), new RotatingFile(dir, options)];
    const total = 200;
    for (let i = 0; i < total; i++) {
      const writer = writers[i % 2]!;
      writer.append(lineOf(i));
      await writer.flush();
    }
    await Promise.all(writers.map((w) => w.close()));

    const names = readdirSync(dir);
    for (const name of names) expect([name, statSync(join(dir, name)).size <= 1_000]).toEqual([name, true]);
    // oldest file to newest: every line once, in the order written (none went into a rotated file)
    const kept = readKept(dir, 50).map((l) => (JSON.parse(l) as LogRecord).msg);
    expect(kept).toEqual(Array.from({ length: total }, (_, i) => record(i).msg));
  });

  test('a file left ending in a partial line (a writer killed mid-write) does not swallow the next record', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'zeroproc.log'), `${lineOf(0)}${lineOf(1).slice(0, 30)}`);
    const server = await startLogServer({ dir, console: false, register: false });
    server.ingest(record(2));
    await server.close();
    const last = await readLastRecords(dir, 10);
    expect(last.records.map((r) => r.msg)).toEqual([record(0).msg, record(2).msg]);
    expect(last.skipped).toBe(1);
  });

  test('a LogServer rotates with its rotate option and resumes an existing file', async () => {
    const dir = tmpDir();
    for (const round of [0, 1]) {
      const server = await startLogServer({ dir, console: false, rotate: { maxBytes: 2_000, maxFiles: 2 } });
      for (let i = round * 100; i < round * 100 + 100; i++) server.ingest(record(i));
      await server.close();
    }
    expect(existsSync(join(dir, 'zeroproc.log.2'))).toBe(true);
    expect(existsSync(join(dir, 'zeroproc.log.3'))).toBe(false);
    const kept = readKept(dir, 2).map((l) => (JSON.parse(l) as LogRecord).msg);
    expect(kept.at(-1)).toBe('record 0199');
    const first = Number(kept[0]!.split(' ')[1]);
    expect(kept).toEqual(Array.from({ length: 200 - first }, (_, k) => record(first + k).msg));
  });
});

describe('reading the log files', () => {
  test('readLastRecords reads backwards across rotated files, filtered, oldest first', async () => {
    const dir = tmpDir();
    const file = new RotatingFile(dir, { rotate: { maxBytes: 3_000, maxFiles: 20 }, dropNotice: () => '', onError: () => undefined });
    for (let i = 0; i < 300; i++) file.append(lineOf(i));
    await file.close();
    expect(existsSync(join(dir, 'zeroproc.log.3'))).toBe(true);

    const last = await readLastRecords(dir, 120);
    expect(last.records.map((r) => r.msg)).toEqual(Array.from({ length: 120 }, (_, k) => record(180 + k).msg));
    const p1 = await readLastRecords(dir, 5, { filter: (r) => r.process === 'p1' });
    expect(p1.records.map((r) => r.msg)).toEqual([283, 286, 289, 292, 295, 298].slice(1).map((i) => record(i).msg));
    const all = await readLastRecords(dir, Infinity);
    expect(all.records).toHaveLength(300);
    expect(last.position).toEqual({ ino: statSync(join(dir, 'zeroproc.log')).ino, offset: statSync(join(dir, 'zeroproc.log')).size });
  });

  test('an unterminated last line (a write in progress) is left for the follower', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'zeroproc.log'), `${lineOf(0)}${lineOf(1).slice(0, 20)}`);
    const last = await readLastRecords(dir, 10);
    expect(last.records.map((r) => r.msg)).toEqual([record(0).msg]);
    expect(last.position!.offset).toBe(lineOf(0).length);
  });

  test('a follower that starts while its start file is being renamed finds it and misses nothing', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'zeroproc.log'), [0, 1, 2].map(lineOf).join(''));
    const last = await readLastRecords(dir, 1);
    appendFileSync(join(dir, 'zeroproc.log'), [3, 4, 5].map(lineOf).join(''));
    const got: string[] = [];
    const warnings: string[] = [];
    const follower = new LogFollower(dir, { from: last.position, onRecord: (r) => got.push(r.msg), onWarning: (m) => warnings.push(m) });
    // the listing a rotation in flight can give (the file renamed between the directory read and
    // its stat): the start file missing, the listing unsettled; the next one is whole
    const lister = follower as unknown as { chain(): Promise<{ files: Array<{ path: string; ino: number }>; settled: boolean }> };
    const chain = lister.chain.bind(follower);
    let listings = 0;
    lister.chain = async () => (++listings === 1 ? { files: [], settled: false } : chain());
    await follower.start();
    cleanups.push(() => follower.stop());
    expect(warnings).toEqual([]);
    expect(got).toEqual([3, 4, 5].map((i) => record(i).msg));
  });

  test('LogFollower reads every record once, in order, while the file rotates under it', async () => {
    const dir = tmpDir();
    const total = 400;
    const got: string[] = [];
    const warnings: string[] = [];
    let allSeen: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allSeen = resolve));
    const follower = new LogFollower(dir, {
      onRecord: (r) => {
        got.push(r.msg);
        if (r.msg === 'the end') allSeen();
      },
      onWarning: (m) => warnings.push(m),
    });
    await follower.start();
    cleanups.push(() => follower.stop());

    const server = await startLogServer({ dir, console: false, rotate: { maxBytes: 1_500, maxFiles: 100 } });
    cleanups.push(() => server.close());
    // in bursts, so rotations happen both between and during the follower's reads
    for (let i = 0; i < total; i++) {
      server.ingest(record(i));
      if (i % 37 === 0) await new Promise((r) => setImmediate(r));
    }
    server.ingest({ ...record(total), msg: 'the end' });
    await done;
    expect(got).toEqual([...Array.from({ length: total }, (_, i) => record(i).msg), 'the end']);
    expect(warnings).toEqual([]);
    expect(existsSync(join(dir, 'zeroproc.log.5'))).toBe(true);
  });
});
