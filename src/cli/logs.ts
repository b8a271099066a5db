/**
 * `zeroproc logs`: the last records of the aggregated log, filtered, as text or JSON, and
 * following new ones from the files or from a live LogServer.
 */
import msgpack from 'msgpack-lite';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Subscriber } from 'zeromq';
import { LOG_FILE_NAME } from '../log/file-writer.js';
import { makeRecordFilter, parseSince, type RecordFilter } from '../log/filter.js';
import { formatRecord, wantsColors } from '../log/format.js';
import { MissedRecords } from '../log/pub-messages.js';
import { LogFollower, readLastRecords } from '../log/reader.js';
import { isLogLevel, validateRecord, type LogLevel, type LogRecord, type LogStream } from '../log/record.js';
import { DEFAULT_LOG_DIR, LOG_PUB_TOPIC } from '../log/server.js';
import { ipcSocketState, logSocketSecurity } from '../log/socket-security.js';
import { MAX_DELAY_MS } from '../delays.js';
import { optionValuesJoined, UsageError, type CliIo, type Command } from './command.js';

const HELP = `Usage: zeroproc logs [options] [NAME...]

Prints the last records of the aggregated log that a LogServer writes, and with -f
follows new ones (also across file rotation). Each NAME keeps only the processes
whose name matches it, like --process (pm2 logs NAME habit).

Options:
  -n, --lines N         how many records to show (default 20, or all with --since);
                        'all' for every record
  -f, --follow          keep printing records as they are written; stop with Ctrl-C.
                        A log directory that does not exist yet is waited for
      --dir DIR         log directory (default ${DEFAULT_LOG_DIR})
  -p, --process NAME    only processes whose name matches NAME (glob: * and ?);
                        repeatable
  -l, --level LEVEL     minimum level: error, warn, info, http, verbose, debug, silly
  -s, --stream STREAM   only stdout, stderr or log (logger calls); repeatable or
                        comma-separated
  -g, --grep TEXT       only records whose message (or stack) contains TEXT
      --since TIME      only records from TIME on: ISO 8601 (2024-05-01T10:00:00Z)
                        or a duration back from now (30s, 5m, 2h, 1d)
      --json            print the records as JSON lines
      --raw             print control characters in records as they are (by default
                        they are escaped: ESC as \x1b, a line feed as \n, ...); only
                        for a trusted log, a record could then drive your terminal
  -t, --time            prefix each record with its source time
  -c, --connect ADDR    show records live from a running LogServer's PUB address
                        (LogServer.pubAddress) instead of reading files; no history.
                        By default that is a private ipc:// socket that only the
                        user who started the server can open
      --timeout MS      how long --connect waits for the server (default 5000)
  -h, --help            show this help

Colours are used only when the output is a terminal (NO_COLOR / FORCE_COLOR apply).
`;

const OPTIONS = {
  lines: { type: 'string', short: 'n' },
  follow: { type: 'boolean', short: 'f' },
  dir: { type: 'string' },
  process: { type: 'string', short: 'p', multiple: true },
  level: { type: 'string', short: 'l' },
  stream: { type: 'string', short: 's', multiple: true },
  grep: { type: 'string', short: 'g' },
  since: { type: 'string' },
  json: { type: 'boolean' },
  raw: { type: 'boolean' },
  time: { type: 'boolean', short: 't' },
  connect: { type: 'string', short: 'c' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `zeroproc logs`. */
export const logsCommand: Command = {
  summary: 'show and follow the aggregated log (files or a live LogServer)',
  run: runLogs,
};

async function runLogs(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: optionValuesJoined(args, OPTIONS), options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const since = values.since === undefined ? undefined : parseSince(values.since);
  const processes = [...(values.process ?? []), ...positionals];
  const filter = makeRecordFilter({
    process: processes.length > 0 ? processes : undefined,
    level: parseLevel(values.level),
    stream: values.stream?.flatMap((s) => s.split(',')).map((s) => s.trim() as LogStream),
    grep: values.grep,
    since,
  });
  const count = parseCount(values.lines, since !== undefined);
  const colors = wantsColors(io.stdout);
  const print = (records: LogRecord[]): void => {
    if (records.length === 0) return;
    let text = '';
    for (const r of records) {
      text += values.json ? `${JSON.stringify(r)}\n` : `${formatRecord(r, { colors, time: values.time ?? false, raw: values.raw ?? false })}\n`;
    }
    io.stdout.write(text);
  };

  if (values.connect !== undefined) {
    return connectAndFollow(values.connect, parseTimeout(values.timeout), filter, print, io);
  }

  const dir = values.dir ?? DEFAULT_LOG_DIR;
  // listening from the start: a Ctrl-C while waiting for the directory ends the command too
  const stopped = values.follow ? untilStopped(io) : undefined;
  let dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat && stopped) {
    io.stderr.write(`zeroproc logs: waiting for ${dir} to appear (Ctrl-C to stop)\n`);
    dirStat = await appeared(dir, stopped);
    if (!dirStat) return 0;
  }
  if (!dirStat?.isDirectory()) {
    throw new UsageError(
      `log directory ${JSON.stringify(dir)} ${dirStat ? 'is not a directory' : 'does not exist'}` +
        ` (pass --dir, or start a LogServer that writes there; -f waits for it)`,
    );
  }
  const last = await readLastRecords(dir, count, { filter, since });
  print(last.records);
  if (last.skipped > 0) io.stderr.write(`zeroproc logs: skipped ${last.skipped} line(s) that are not records\n`);
  if (!stopped) return 0;

  const follower = new LogFollower(dir, {
    from: last.position,
    onRecord: (record) => {
      if (filter(record)) print([record]);
    },
    onWarning: (message) => io.stderr.write(`zeroproc logs: ${message}\n`),
  });
  await follower.start();
  io.stderr.write(`zeroproc logs: following ${join(dir, LOG_FILE_NAME)} (Ctrl-C to stop)\n`);
  await stopped;
  await follower.stop();
  return 0;
}

/** How often `-f` looks for a log directory that does not exist yet. */
const DIR_POLL_MS = 200;

/**
 * Resolves with the stat of `dir` once something exists there, or undefined when stopped first.
 * Polled: the directory's parents may not exist either, so there is nothing to watch yet.
 */
async function appeared(dir: string, stopped: Promise<void>): Promise<Stats | undefined> {
  let stop = false;
  void stopped.then(() => (stop = true));
  while (!stop) {
    const found = await stat(dir).catch(() => undefined);
    if (found) return found;
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, DIR_POLL_MS))]);
  }
  return undefined;
}

function parseLevel(text: string | undefined): LogLevel | undefined {
  if (text === undefined) return undefined;
  const level = text.toLowerCase();
  if (!isLogLevel(level)) {
    throw new UsageError(`unknown level ${JSON.stringify(text)} (expected error, warn, info, http, verbose, debug or silly)`);
  }
  return level;
}

function parseCount(text: string | undefined, hasSince: boolean): number {
  if (text === undefined) return hasSince ? Infinity : 20;
  if (text === 'all') return Infinity;
  if (!/^\d+$/.test(text)) throw new UsageError(`-n expects a number of records or 'all', got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 5_000;
  // a longer delay would make the timer fire at once, failing a server that is there
  if (!/^\d+$/.test(text) || Number(text) === 0 || Number(text) > MAX_DELAY_MS) {
    throw new UsageError(`--timeout expects a number of milliseconds from 1 to ${MAX_DELAY_MS}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Resolves on Ctrl-C, SIGTERM, or when whoever reads our output goes away. */
export function untilStopped(io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      process.off('SIGHUP', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    process.on('SIGHUP', done);
    io.stdout.on('error', done);
  });
}

/**
 * Subscribes to a LogServer's PUB socket and prints what arrives until stopped. ZeroMQ retries
 * unreachable peers silently forever, so the socket's events decide: the first completed
 * handshake means a server is there; a refused connection, a failed handshake or the timeout
 * means it is not.
 */
async function connectAndFollow(
  address: string,
  timeoutMs: number,
  filter: RecordFilter,
  print: (records: LogRecord[]) => void,
  io: CliIo,
): Promise<number> {
  const security = logSocketSecurity(address, 'connect', '--connect');
  await probeIpc(address);
  const sub = new Subscriber({ linger: 0, ...security });
  try {
    // the socket monitor only reports events that happen after it exists
    const connected = handshake(sub, address, timeoutMs);
    try {
      sub.connect(address);
    } catch (err) {
      connected.cancel();
      throw new UsageError(`cannot connect to ${JSON.stringify(address)}: ${(err as Error).message}`);
    }
    sub.subscribe(LOG_PUB_TOPIC);
    await connected.done;
    io.stderr.write(`zeroproc logs: connected to ${address}\n`);
    sub.events.on('disconnect', () => io.stderr.write(`zeroproc logs: lost ${address}; waiting for it to come back\n`));
    sub.events.on('handshake', () => io.stderr.write(`zeroproc logs: connected to ${address} again\n`));
    const receiving = (async () => {
      let reported = false;
      const missed = new MissedRecords();
      for await (const [, body, sequence] of sub) {
        let records: LogRecord[];
        try {
          const decoded: unknown = msgpack.decode(body!);
          if (!Array.isArray(decoded)) throw new Error('not an array of records');
          records = decoded.map(validateRecord);
        } catch (err) {
          if (!reported) io.stderr.write(`zeroproc logs: skipped a malformed message: ${(err as Error).message}\n`);
          reported = true;
          continue;
        }
        const lost = missed.check(sequence, records.length);
        // shown whatever the filters: the reader must know the output has a hole
        if (lost > 0) print([missedNotice(lost)]);
        print(records.filter(filter));
      }
    })();
    await untilStopped(io);
    sub.close();
    await receiving;
    return 0;
  } finally {
    if (!sub.closed) sub.close();
  }
}

/** The record `zeroproc logs --connect` prints where ZeroMQ dropped records it was too slow to take. */
function missedNotice(count: number): LogRecord {
  return {
    time: Date.now(),
    host: hostname(),
    process: 'zeroproc-logs',
    pid: process.pid,
    logger: 'zeroproc.logs',
    stream: 'log',
    level: 'warn',
    msg: `${count} record(s) missed: this subscriber fell behind the LogServer and ZeroMQ dropped them`,
  };
}

/**
 * Asks the kernel whether an ipc socket can be opened: ZeroMQ retries a socket it may not open
 * (another user's, in a private directory) as silently as one that is not there yet.
 */
async function probeIpc(address: string): Promise<void> {
  if (!address.startsWith('ipc://')) return;
  const state = await ipcSocketState(address);
  if (state === 'listening') return;
  const why =
    state === 'EACCES' || state === 'EPERM'
      ? 'permission denied (a LogServer admits only the user that started it)'
      : state === 'ENOENT'
        ? 'no such socket (is the LogServer running?)'
        : state === 'ECONNREFUSED'
          ? 'connection refused'
          : state;
  throw new UsageError(`cannot reach a LogServer at ${address}: ${why}`);
}

function handshake(sub: Subscriber, address: string, timeoutMs: number): { done: Promise<void>; cancel: () => void } {
  let cleanup = (): void => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      reject(new UsageError(`cannot reach a LogServer at ${address}: ${why}`));
    };
    const onHandshake = (): void => {
      cleanup();
      resolve();
    };
    const onRetry = (): void => fail('connection refused');
    const onProtocol = (e: { error: Error }): void => fail(`not a zeroproc log publisher (${e.error.message})`);
    const onOther = (e: { error: Error }): void => fail(e.error.message);
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    cleanup = () => {
      clearTimeout(timer);
      sub.events.off('handshake', onHandshake);
      sub.events.off('connect:retry', onRetry);
      sub.events.off('handshake:error:protocol', onProtocol);
      sub.events.off('handshake:error:other', onOther);
    };
    sub.events.on('handshake', onHandshake);
    sub.events.on('connect:retry', onRetry);
    sub.events.on('handshake:error:protocol', onProtocol);
    sub.events.on('handshake:error:other', onOther);
  });
  return { done, cancel: () => cleanup() };
}
