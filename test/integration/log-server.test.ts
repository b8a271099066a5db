import { afterEach, describe, expect, test } from '@jest/globals';
import msgpack from 'msgpack-lite';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Push, Subscriber } from 'zeromq';
import { InvalidArgumentError, ProtocolError } from '../../src/errors.js';
import { getLogger } from '../../src/log/logger.js';
import type { LogRecord } from '../../src/log/record.js';
import { LOG_PUB_TOPIC, LogServer, startLogServer, type LogServerOptions } from '../../src/log/server.js';
import { getLogAddress, getOutputSink } from '../../src/process/output-sink.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zeroproc-log-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function server(options: Parameters<typeof startLogServer>[0] = {}): Promise<LogServer> {
  const s = await startLogServer({ console: false, ...options });
  cleanups.push(() => s.close());
  return s;
}

function push(address: string): Push {
  const socket = new Push({ linger: 0 });
  socket.connect(address);
  cleanups.push(() => socket.close());
  return socket;
}

/** Collects every record the server accepts; `until` resolves once `predicate` holds. */
function collect(s: LogServer): { records: LogRecord[]; until: (predicate: (rs: LogRecord[]) => boolean) => Promise<void> } {
  const records: LogRecord[] = [];
  const waiters: Array<{ predicate: (rs: LogRecord[]) => boolean; resolve: () => void }> = [];
  cleanups.push(
    s.onRecords((batch) => {
      records.push(...batch);
      for (const w of [...waiters]) {
        if (w.predicate(records)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    }),
  );
  return {
    records,
    until: (predicate) =>
      predicate(records) ? Promise.resolve() : new Promise((resolve) => waiters.push({ predicate, resolve })),
  };
}

function record(i: number, extra: Partial<LogRecord> = {}): LogRecord {
  return { time: 1_000 + i, host: 'h', process: 'sender', pid: 7, logger: 't', stream: 'log', level: 'info', msg: `m${i}`, ...extra };
}

describe('LogServer', () => {
  test('receives batches from a PUSH socket, writes JSON lines with source timestamps, prints them', async () => {
    const dir = tmpDir();
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString()));
    const s = await server({ dir, console: out, colors: false });
    const seen = collect(s);
    const sender = push(s.address);
    await sender.send(msgpack.encode([record(0), record(1, { meta: { k: 'v' } })]));
    await sender.send(msgpack.encode([record(2, { level: 'error', stack: 'Error: m2\n    at x' })]));
    await seen.until((rs) => rs.length === 3);
    await s.close();

    const lines = readFileSync(join(dir, 'zeroproc.log'), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([record(0), record(1, { meta: { k: 'v' } }), record(2, { level: 'error', stack: 'Error: m2\n    at x' })]);
    expect(printed).toBe(
      '[sender:7@h] info t: m0\n[sender:7@h] info t: m1 {"k":"v"}\n[sender:7@h] error t: m2\n    at x\n',
    );
  });

  test('the console level only filters what is printed; the file keeps everything', async () => {
    const dir = tmpDir();
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c: Buffer) => (printed += c.toString()));
    const s = await server({ dir, console: out, colors: false, level: 'warn' });
    s.ingest(record(0, { level: 'debug' }));
    s.ingest(record(1, { level: 'warn' }));
    await s.close();
    expect(printed).toBe('[sender:7@h] warn t: m1\n');
    expect(readFileSync(join(dir, 'zeroproc.log'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  test('malformed messages and records are skipped, reported once per interval, and do not stop it', async () => {
    const s = await server({ dir: false });
    const seen = collect(s);
    const sender = push(s.address);
    await sender.send(Buffer.from([0xc1, 0xff, 0x00])); // not MessagePack
    await sender.send([msgpack.encode([record(0)]), Buffer.from('second frame')]);
    await sender.send(msgpack.encode({ not: 'an array' }));
    await sender.send(msgpack.encode([{ ...record(1), pid: 'x' }, record(2), 'junk']));
    await sender.send(msgpack.encode([record(3)]));
    await seen.until((rs) => rs.some((r) => r.msg === 'm3'));

    const good = seen.records.filter((r) => r.process === 'sender').map((r) => r.msg);
    expect(good).toEqual(['m2', 'm3']);
    expect(s.stats.malformed).toBe(5);
    const complaints = seen.records.filter((r) => r.logger === 'zeroproc.log-server');
    expect(complaints).toHaveLength(1);
    expect(complaints[0]).toMatchObject({ level: 'warn', process: expect.any(String), pid: process.pid });
    expect(complaints[0]!.msg).toMatch(/malformed log message: not MessagePack/);

    await s.close();
    const summary = seen.records.filter((r) => r.logger === 'zeroproc.log-server').slice(1);
    expect(summary.map((r) => r.msg)).toEqual(['skipped 4 more malformed log message(s)']);
    expect(() => s.ingest({ ...record(4), level: 'loud' } as never)).toThrow(ProtocolError);
  });

  test('registers as the process log server while it runs, and gives the registration back', async () => {
    expect(getOutputSink()).toBeUndefined();
    expect(getLogAddress()).toBeUndefined();
    const first = await server({ dir: false });
    const seen = collect(first);
    expect(getLogAddress()).toBe(first.address);
    expect(getOutputSink()).toBe(first.outputSink);

    getOutputSink()!({ process: 'kid', pid: 9, stream: 'stderr', line: 'warning: x', time: 5 });
    getOutputSink()!({ process: 'kid', pid: 9, stream: 'stdout', line: 'part [continued]', time: 6, continued: true });
    getLogger('in-process').warn('from the parent', { n: 1 });
    await seen.until((rs) => rs.length === 3);
    expect(seen.records[0]).toMatchObject({ process: 'kid', pid: 9, stream: 'stderr', level: 'warn', msg: 'warning: x', time: 5, logger: '' });
    expect(seen.records[1]).toMatchObject({ stream: 'stdout', level: 'info', meta: { continued: true } });
    expect(seen.records[2]).toMatchObject({ pid: process.pid, logger: 'in-process', level: 'warn', msg: 'from the parent', meta: { n: 1 } });

    const second = await startLogServer({ console: false, dir: false });
    expect(getLogAddress()).toBe(second.address);
    await second.close();
    expect(getLogAddress()).toBe(first.address);
    expect(getOutputSink()).toBe(first.outputSink);

    await first.close();
    expect(getOutputSink()).toBeUndefined();
    expect(getLogAddress()).toBeUndefined();
  });

  test('servers closed in the order they started leave no closed server registered', async () => {
    const first = await startLogServer({ console: false, dir: false });
    const second = await startLogServer({ console: false, dir: false });
    // the first one goes while the second still runs: the second must then give back what the
    // first had found (nothing), not the first one's address and sink
    await first.close();
    expect(getLogAddress()).toBe(second.address);
    expect(getOutputSink()).toBe(second.outputSink);
    await second.close();
    expect(getLogAddress()).toBeUndefined();
    expect(getOutputSink()).toBeUndefined();
  });

  test('publishes records to live subscribers on its PUB socket', async () => {
    const s = await server({ dir: false });
    const sub = new Subscriber({ linger: 0 });
    cleanups.push(() => sub.close());
    sub.connect(s.pubAddress);
    sub.subscribe(LOG_PUB_TOPIC);
    // a subscription takes effect some time after connect(): publish until one arrives
    let i = 0;
    const publisher = setInterval(() => s.ingest(record(i++)), 20);
    cleanups.push(() => clearInterval(publisher));
    const [topic, body] = await sub.receive();
    clearInterval(publisher);
    expect(topic!.toString()).toBe(LOG_PUB_TOPIC);
    const batch = msgpack.decode(body!) as LogRecord[];
    expect(Array.isArray(batch)).toBe(true);
    expect(batch[0]).toMatchObject({ process: 'sender', pid: 7 });
  });

  test('rejects an unknown console level and an address it cannot bind', async () => {
    await expect(startLogServer({ level: 'loud' as never })).rejects.toThrow(/unknown log level/);
    const s = await server({ dir: false });
    await expect(startLogServer({ dir: false, console: false, address: s.address })).rejects.toThrow(/cannot bind/);
  });

  test.each([
    [{ maxMessageBytes: '1MB' }, /maxMessageBytes/],
    [{ maxMessageBytes: -5 }, /maxMessageBytes/],
    [{ rotate: { maxBytes: -1 } }, /rotate\.maxBytes/],
    [{ rotate: { maxBytes: 'big' } }, /rotate\.maxBytes/],
    [{ rotate: { maxFiles: 2.5 } }, /rotate\.maxFiles/],
    [{ rotate: 'daily' }, /rotate must be/],
    [{ console: 'stdout' }, /console must be/],
    [{ dir: 42 }, /dir must be/],
    [{ address: 'tcp://0.0.0.0:*', authkey: '' }, /startLogServer: option `address` "tcp:\/\/0\.0\.0\.0:\*" is reachable from other machines, so its log link needs a key, and an empty authkey was given/],
    [{ pubAddress: 'tcp://10.1.2.3:5555', authkey: new Uint8Array(0) }, /startLogServer: option `pubAddress` "tcp:\/\/10\.1\.2\.3:5555" is reachable from other machines/],
    [{ address: 'udp://127.0.0.1:5' }, /is not a ZeroMQ address/],
  ])('refuses %j with an InvalidArgumentError naming the option', async (options, message) => {
    // unchecked, these crashed at exit (a zeromq.js TypeError), wiped the log by rotating before
    // every line, threw from the receive loop at the first record, or left the bound sockets open
    const started = startLogServer({ dir: false, console: false, register: false, ...(options as LogServerOptions) });
    started.then((s) => cleanups.push(() => s.close()), () => undefined);
    await expect(started).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(started).rejects.toThrow(message);
  });

  test('await using closes it', async () => {
    let address: string;
    {
      await using s = await startLogServer({ dir: false, console: false });
      address = s.address;
      expect(getLogAddress()).toBe(address);
    }
    expect(getLogAddress()).toBeUndefined();
  });
});
