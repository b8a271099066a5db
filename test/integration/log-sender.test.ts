import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import winston from 'winston';
import { InvalidArgumentError } from '../../src/errors.js';
import type { LogRecord } from '../../src/log/record.js';
import { LogSender } from '../../src/log/sender.js';
import { startLogServer, type LogServer } from '../../src/log/server.js';
import { LOG_ADDRESS_ENV, PROCESS_NAME_ENV } from '../../src/process/output-sink.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/log/log-child.ts', import.meta.url));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function server(): Promise<LogServer> {
  const s = await startLogServer({ console: false, dir: false, register: false });
  cleanups.push(() => s.close());
  return s;
}

function sender(options: ConstructorParameters<typeof LogSender>[0]): LogSender {
  const s = new LogSender(options);
  cleanups.push(() => s.close());
  return s;
}

function waitForRecords(s: LogServer, predicate: (rs: LogRecord[]) => boolean): { records: LogRecord[]; done: Promise<void> } {
  const records: LogRecord[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  cleanups.push(
    s.onRecords((batch) => {
      records.push(...batch);
      if (predicate(records)) resolve();
    }),
  );
  return { records, done };
}

describe('LogSender', () => {
  test('works as the transport of any winston logger: levels, meta, errors with stacks', async () => {
    const s = await server();
    const got = waitForRecords(s, (rs) => rs.length >= 3);
    const logger = winston.createLogger({ level: 'debug', transports: [sender({ address: s.address, logger: 'custom' })] });
    logger.debug('detail', { k: 1 });
    logger.info('plain');
    logger.error(new RangeError('out of range'));
    logger.silly('below the logger level');
    await got.done;
    expect(got.records[0]).toMatchObject({ logger: 'custom', level: 'debug', msg: 'detail', meta: { k: 1 }, pid: process.pid });
    expect(got.records[1]).toMatchObject({ level: 'info', msg: 'plain' });
    expect(got.records[2]).toMatchObject({ level: 'error', msg: 'out of range' });
    expect(got.records[2]!.stack).toMatch(/^RangeError: out of range\n\s+at /);
    expect(got.records).toHaveLength(3);
  });

  test('a full queue drops new records, counts them, and reports the count once there is room', async () => {
    const s = await server();
    const got = waitForRecords(s, (rs) => rs.some((r) => r.msg.includes('dropped')));
    const tx = sender({ address: s.address, maxQueue: 10 });
    const base: LogRecord = { time: 1, host: 'h', process: 'p', pid: 1, logger: 'l', stream: 'log', level: 'info', msg: '' };
    for (let i = 0; i < 25; i++) tx.send({ ...base, msg: `r${i}` }); // one tick: nothing leaves before the 11th
    expect(tx.queued).toBe(10);
    expect(tx.dropped).toBe(15);
    await got.done;
    expect(got.records.map((r) => r.msg)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `r${i}`),
      expect.stringMatching(/^15 log record\(s\) dropped/),
    ]);
    expect(got.records[10]).toMatchObject({ level: 'warn', logger: 'zeroproc.log', pid: process.pid });
  });

  test('a burst of large records is not lost as one message over the server\'s size limit', async () => {
    // 1 000 records of 20 KB in one tick: as one 20 MB message, past the server's 16 MiB limit,
    // ZeroMQ dropped the connection and every record of the message with it, without a word
    const s = await server();
    const n = 1_000;
    const got = waitForRecords(s, (rs) => rs.length === n);
    const tx = sender({ address: s.address });
    const base: LogRecord = { time: 1, host: 'h', process: 'p', pid: 1, logger: 'l', stream: 'log', level: 'info', msg: '' };
    const padding = 'x'.repeat(20_000);
    for (let i = 0; i < n; i++) tx.send({ ...base, msg: `r${i} ${padding}` });
    await got.done;
    expect(got.records.map((r) => r.msg.split(' ')[0])).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
  });

  test('records logged in the same tick leave as one message', async () => {
    const s = await server();
    const batches: number[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    cleanups.push(
      s.onRecords((rs) => {
        batches.push(rs.length);
        if (batches.reduce((a, b) => a + b, 0) === 50) resolve();
      }),
    );
    const tx = sender({ address: s.address });
    const base: LogRecord = { time: 1, host: 'h', process: 'p', pid: 1, logger: 'l', stream: 'log', level: 'info', msg: 'x' };
    for (let i = 0; i < 50; i++) tx.send(base);
    await done;
    expect(batches).toEqual([50]);
  });

  test('a child whose log server is gone still exits on its own', async () => {
    const s = await startLogServer({ console: false, dir: false, register: false });
    const dead = s.address;
    await s.close();
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, '20', 'end'], {
      env: { ...process.env, [LOG_ADDRESS_ENV]: dead, [PROCESS_NAME_ENV]: 'orphan' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    // its logger records went to the socket, not to stdout
    expect(stdout.split('\n').filter(Boolean)).toEqual(Array.from({ length: 20 }, (_, i) => `out ${i}`));
  });

  test('rejects a missing address and bad limits', () => {
    expect(() => new LogSender({ address: '' })).toThrow(/needs the address/);
    expect(() => new LogSender({ address: 'tcp://127.0.0.1:1', maxQueue: 0 })).toThrow(/maxQueue/);
  });

  test('a bad linger or an address ZeroMQ cannot use is an InvalidArgumentError naming it', () => {
    // zeromq.js threw a bare TypeError for these, and its half-made socket crashed the process at exit
    for (const linger of ['1000', -1, 1.5, Number.NaN]) {
      expect(() => new LogSender({ address: 'tcp://127.0.0.1:1', linger: linger as number })).toThrow(InvalidArgumentError);
      expect(() => new LogSender({ address: 'tcp://127.0.0.1:1', linger: linger as number })).toThrow(/linger/);
    }
    expect(() => new LogSender({ address: 'not-an-endpoint' })).toThrow(InvalidArgumentError);
    expect(() => new LogSender({ address: 'not-an-endpoint' })).toThrow(/"not-an-endpoint"/);
  });
});
