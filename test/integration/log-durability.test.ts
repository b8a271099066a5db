/**
 * The log keeps going when the disk does not: a full disk loses records with a count, never
 * silently, and writing resumes when space returns; rotation and reading stay cheap whatever
 * the settings and the line lengths.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { LogRecord } from '../../src/log/record.js';
import { LogFollower, readLastRecords } from '../../src/log/reader.js';
import { startLogServer } from '../../src/log/server.js';


const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1_000;
}

function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zeroproc-dur-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(msg: string, extra: Partial<LogRecord> = {}): LogRecord {
  return { time: Date.now(), host: 'h', process: 'writer', pid: 1, logger: '', stream: 'log', level: 'info', msg, ...extra };
}

/** A real 512 KiB tmpfs: the disk that fills up. Mounting needs root (the suite runs as root). */
const SMALL_DISK = mkdtempSync(join(tmpdir(), 'zeroproc-tmpfs-'));
let mountRefused: string | undefined;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', SMALL_DISK], { stdio: 'pipe' });
} catch (err) {
  mountRefused = String((err as { stderr?: Buffer }).stderr ?? err).trim();
  console.log(`skipping the disk-full test: cannot mount a tmpfs (${mountRefused})`);
}
afterAll(() => {
  if (mountRefused === undefined) execFileSync('umount', [SMALL_DISK]);
  rmSync(SMALL_DISK, { recursive: true, force: true });
});

describe('log durability', () => {
  (mountRefused === undefined ? test : test.skip)('a full disk loses records with a count, reported once, and writing resumes when space returns', async () => {
    const dir = join(SMALL_DISK, 'logs');
    mkdirSync(dir, { mode: 0o700 });
    const filler = join(SMALL_DISK, 'filler');
    writeFileSync(filler, Buffer.alloc(400 * 1024));
    const out = new PassThrough();
    let printed = '';
    let failureReported: () => void;
    const failed = new Promise<void>((resolve) => (failureReported = resolve));
    out.on('data', (c: Buffer) => {
      printed += c.toString();
      if (printed.includes('cannot write')) failureReported();
    });
    const server = await startLogServer({ dir, console: out, colors: false, rotate: false, register: false });
    cleanups.push(() => server.close());

    const big = 'x'.repeat(1_000);
    let sent = 0;
    // about 300 KiB of records into the last 100 KiB: writes fail part way
    for (; sent < 300; sent++) server.ingest(record(`before ${sent} ${big}`));
    await failed;
    rmSync(filler);
    for (let k = 0; k < 20; k++, sent++) server.ingest(record(`after ${k}`));
    await server.close();

    const lines = readFileSync(join(dir, 'zeroproc.log'), 'utf8').split('\n').filter(Boolean);
    const records = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as LogRecord];
      } catch {
        return []; // the piece of a line the full disk cut
      }
    });
    const written = records.filter((r) => r.process === 'writer');
    const notices = records.filter((r) => r.logger === 'zeroproc.log-server').map((r) => r.msg);
    const counted = notices.map((m) => /^(\d+) record\(s\) were not written to \S+ \(.*ENOSPC.*\); writing again$/.exec(m));
    expect(notices.length).toBeGreaterThan(0);
    expect(counted.every(Boolean)).toBe(true);
    const lost = counted.reduce((n, m) => n + Number(m![1]), 0);
    expect(lost).toBeGreaterThan(0);
    // every record is on disk or counted: none lost silently
    expect(written.length + lost).toBe(sent);
    expect(written.slice(-20).map((r) => r.msg)).toEqual(Array.from({ length: 20 }, (_, k) => `after ${k}`));
    expect(printed.match(/cannot write .*ENOSPC/g)).toHaveLength(1);
  });

  test('a huge rotate.maxFiles rotates as fast as a small one', async () => {
    const dir = tmpDir();
    const server = await startLogServer({ dir, console: false, register: false, rotate: { maxBytes: 500, maxFiles: Number.MAX_SAFE_INTEGER } });
    let closed = false;
    cleanups.push(() => (closed ? undefined : server.close()));
    for (let i = 0; i < 40; i++) server.ingest(record(`line ${i} ${'y'.repeat(100)}`));
    const started = process.cpuUsage();
    let timer: NodeJS.Timeout | undefined;
    const verdict = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still rotating after 5 s'), 5_000))),
    ]);
    clearTimeout(timer);
    closed = verdict === 'closed';
    expect(verdict).toBe('closed');
    const cpu = process.cpuUsage(started);
    expect((cpu.user + cpu.system) / 1_000).toBeLessThan(2_000);
    const files = readdirSync(dir).filter((n) => n.startsWith('zeroproc.log'));
    expect(files.length).toBeGreaterThan(5);
  });

  test('reading a 24 MiB line, backwards (zeroproc logs -n) and following it (-f), costs linear CPU time', async () => {
    const dir = tmpDir();
    const path = join(dir, 'zeroproc.log');
    const long = `${JSON.stringify(record('z'.repeat(24 * 1024 * 1024)))}\n`;
    // the long line is the last one: reading back to the short one goes through all of it
    writeFileSync(path, `${JSON.stringify(record('short'))}\n${long}`);
    let cpu = process.cpuUsage();
    const last = await readLastRecords(dir, 1, { filter: (r) => r.msg === 'short' });
    const backwards = cpuMs(cpu);
    expect(last.records.map((r) => r.msg)).toEqual(['short']);

    // a follower that meets the line while it is being written, 16 KiB at a time
    const got: number[] = [];
    let arrived: () => void;
    const done = new Promise<void>((resolve) => (arrived = resolve));
    const follower = new LogFollower(dir, {
      from: last.position,
      onRecord: (r) => {
        got.push(r.msg.length);
        arrived();
      },
      onWarning: (m) => got.push(-1, m.length),
    });
    cleanups.push(() => follower.stop());
    await follower.start();
    cpu = process.cpuUsage();
    const fd = openSync(path, 'a');
    try {
      for (let at = 0; at < long.length; at += 16_384) {
        appendFileSync(fd, long.slice(at, at + 16_384));
        // let the follower read the line as it grows, about a hundred times
        if (at % (256 * 1024) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    } finally {
      closeSync(fd);
    }
    await done;
    const following = cpuMs(cpu);
    expect(got).toEqual([24 * 1024 * 1024]);
    // CPU time, not wall time, so a busy machine does not matter: quadratic, reading backwards
    // took over 10 s and following several seconds; linear, well under one
    expect({ backwards: backwards < 3_000, following: following < 3_000 }).toEqual({ backwards: true, following: true });
  });
});
