/**
 * LogServer: receives every process's records, prints them, appends them to the log files and
 * republishes them to live subscribers (`zeroproc logs --connect`).
 */
import msgpack from 'msgpack-lite';
import { resolve } from 'node:path';
import { Pull, XPublisher } from 'zeromq';
import { closeWhenIdle, IDLE_ORDER } from '../idle-exit.js';
import { InvalidArgumentError } from '../errors.js';
import { privateEndpoint } from '../transport/private-dir.js';
import {
  getLogAddress,
  getOutputSink,
  setLogAddress,
  setOutputSink,
  type ChildLine,
  type OutputSink,
} from '../process/output-sink.js';
import { HOST_NAME, getProcessName } from './context.js';
import { RotatingFile, secureLogDirectory, resolveRotation, type RotateOptions } from './file-writer.js';
import { formatRecord, wantsColors } from './format.js';
import { pushLocalSink } from './local.js';
import { PUB_HIGH_WATER_MARK, encodePubBodies, sequenceFrame } from './pub-messages.js';
import { admitLogClients, ipcSocketState, logSocketSecurity } from './socket-security.js';
import type { LinkAuth } from '../rpc/local.js';
import { advertisedAddress } from '../transport/endpoint.js';
import {
  STDERR_LEVEL,
  STDOUT_LEVEL,
  isLogLevel,
  levelPasses,
  validateRecord,
  type LogLevel,
  type LogRecord,
} from './record.js';

/** First frame of every message the PUB socket sends; subscribers subscribe to it. */
export const LOG_PUB_TOPIC = 'zeroproc.log';

/** Default directory of the log files. */
export const DEFAULT_LOG_DIR = './logs';

/** Options of {@link startLogServer}. */
export interface LogServerOptions {
  /** Directory of `zeroproc.log` and its rotated files; `false` writes no files. Default `./logs`. */
  dir?: string | false;
  /**
   * Where to print records as text: `true` for stdout, a writable stream, or `false` for
   * nowhere. Default `true`.
   */
  console?: boolean | NodeJS.WritableStream;
  /**
   * Minimum level printed on the console. Files and subscribers get every record (filter them
   * later with `zeroproc logs --level`). Default: print all records that arrive.
   */
  level?: LogLevel;
  /** Colour the console output. Default: only when the console is a terminal. */
  colors?: boolean;
  /**
   * Endpoint the PULL socket binds (records in). Default: a fresh private ipc endpoint (in a 0700
   * directory of this user), which only this user's processes can reach. Loopback TCP and other
   * ipc paths are accepted and reachable by every local user; other addresses are refused.
   */
  address?: string;
  /** Endpoint the PUB socket binds (records out to subscribers). Default and rules as `address`. */
  pubAddress?: string;
  /**
   * Key of the CURVE links of an address other machines can reach (`tcp://0.0.0.0:*`, so that
   * children on other hosts send here): an authkey, or a keyset given whole. Default: the process
   * default key, which children spawned from here also get. Not used on local addresses.
   */
  authkey?: LinkAuth;
  /** Size rotation of the log file, or `false` for none. Default 10 MiB, 5 rotated files kept. */
  rotate?: RotateOptions | false;
  /** Largest message accepted from a sender, in bytes; bigger ones are dropped. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * Register as the process's log server: children spawned from now on send here, their
   * stdout/stderr lines come here, and this process's own loggers write here. Default `true`.
   */
  register?: boolean;
}

/** Counters of a running {@link LogServer}. */
export interface LogServerStats {
  /** Records accepted (from senders, from children's output and from this process). */
  records: number;
  /** Messages or records skipped because they were malformed. */
  malformed: number;
  /**
   * Records numbered on the PUB socket: sent, or skipped while its queue was full (each message
   * carries the number of its first record, so subscribers see the gap).
   */
  published: number;
  /** Records left out of the console because it did not keep up. */
  notPrinted: number;
}

/** What a registered server took over from whoever held the process's registration before. */
interface Registration {
  sink: OutputSink;
  address: string;
  previousSink: OutputSink | undefined;
  previousAddress: string | undefined;
}

/** Registrations of the running servers of this process, oldest first. */
const registrations: Registration[] = [];

/** Bytes the console stream may hold unwritten before records are left out of it (counted). */
const CONSOLE_MAX_PENDING = 16 * 1024 * 1024;

/** About how many bytes of records may wait for the PUB socket; beyond that they are skipped (and numbered). */
const PUB_QUEUE_MAX_BYTES = 8 * 1024 * 1024;

/** A record's size as its strings tell, enough to bound a queue without encoding it. */
function approximateSize(record: LogRecord): number {
  return 64 + record.msg.length + record.process.length + record.host.length + record.logger.length + (record.stack?.length ?? 0);
}

/** The record of one line a child wrote, read on machine `host`. */
export function childLineRecord(line: ChildLine, host: string): LogRecord {
  const record: LogRecord = {
    time: line.time,
    host,
    process: line.process,
    pid: line.pid,
    logger: '',
    stream: line.stream,
    level: line.stream === 'stderr' ? STDERR_LEVEL : STDOUT_LEVEL,
    msg: line.line,
  };
  if (line.continued) record.meta = { continued: true };
  return record;
}

/** How often at most a malformed message is reported, in ms. */
const MALFORMED_REPORT_INTERVAL = 10_000;

/**
 * A running log server. Start it with {@link startLogServer}; close it with `close()` or
 * `await using`.
 */
export class LogServer {
  /**
   * Endpoint of the PULL socket; children receive it in `ZEROPROC_LOG_ADDRESS`. A wildcard host
   * (`tcp://0.0.0.0:*`) is replaced by one other machines can reach, as for RPC servers.
   */
  readonly address: string;
  /** Endpoint of the PUB socket that live subscribers connect to (wildcard host replaced, as `address`). */
  readonly pubAddress: string;
  /** Absolute path of the log directory, or undefined when files are off. */
  readonly dir: string | undefined;
  /** Counters, updated live. */
  readonly stats: LogServerStats = { records: 0, malformed: 0, published: 0, notPrinted: 0 };

  private readonly pull: Pull;
  private readonly pub: XPublisher;
  private readonly file: RotatingFile | undefined;
  private readonly out: NodeJS.WritableStream | undefined;
  private readonly colors: boolean;
  private readonly level: LogLevel | undefined;
  private readonly receiving: Promise<void>;
  private readonly watchingSubscriptions: Promise<void>;
  /** Subscribed prefixes that match our topic: while there are none, nothing is encoded for PUB. */
  private readonly subscriptions = new Set<string>();
  private pubQueue: LogRecord[] = [];
  /** About how many bytes {@link pubQueue} holds, and the records skipped while it was full. */
  private pubQueueBytes = 0;
  private pubSkipped = 0;
  private publishing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Undoes this server's part in deciding when the process is idle (src/idle-exit.ts). */
  private untrackIdle: () => void = () => undefined;
  private unregister: (() => void) | undefined;
  private lastMalformedReport = -Infinity;
  private malformedSuppressed = 0;
  private malformedTimer: NodeJS.Timeout | undefined;
  /** Records left out of the console since the last notice about them. */
  private consoleSkipped = 0;
  private listeners: Array<(records: readonly LogRecord[]) => void> = [];
  /** Undo the admission of CURVE clients, once the sockets are closed. */
  private releaseZap: Array<() => void> = [];

  /** Use {@link startLogServer}. */
  private constructor(pull: Pull, pub: XPublisher, options: LogServerOptions) {
    this.pull = pull;
    this.pub = pub;
    this.address = advertisedAddress(pull.lastEndpoint!);
    this.pubAddress = advertisedAddress(pub.lastEndpoint!);
    const consoleOpt = options.console ?? true;
    this.out = consoleOpt === true ? process.stdout : consoleOpt === false ? undefined : consoleOpt;
    this.colors = options.colors ?? (this.out ? wantsColors(this.out as { isTTY?: boolean }) : false);
    this.level = options.level;
    const dir = options.dir ?? DEFAULT_LOG_DIR;
    this.dir = dir === false ? undefined : resolve(dir);
    this.file =
      this.dir === undefined
        ? undefined
        : new RotatingFile(this.dir, {
            rotate: options.rotate,
            dropNotice: (count) =>
              `${JSON.stringify(this.ownRecord('warn', `${count} record(s) not written: the disk did not keep up`))}\n`,
            onError: (err) =>
              this.printToConsole([
                this.ownRecord('error', `cannot write ${this.file!.path}: ${err.message}; records are lost (and counted) until writing works again`),
              ]),
            onRecovered: (lost, err) =>
              this.dispatch([this.ownRecord('warn', `${lost} record(s) were not written to ${this.file!.path} (${err.message}); writing again`)]),
          });
    this.receiving = this.receiveLoop();
    this.watchingSubscriptions = this.subscriptionLoop();
  }

  /** Binds the sockets and starts serving; see {@link startLogServer}. */
  static async start(options: LogServerOptions = {}): Promise<LogServer> {
    checkOptions(options);
    for (const explicit of [options.address, options.pubAddress]) {
      // ZeroMQ binds an ipc path by unlinking whatever is there: a live server's socket too
      if (explicit?.startsWith('ipc://') && (await ipcSocketState(explicit)) === 'listening') {
        throw new InvalidArgumentError(`log server cannot bind ${explicit}: another server is listening there`);
      }
    }
    const address = options.address ?? privateEndpoint('log');
    const pubAddress = options.pubAddress ?? privateEndpoint('logpub');
    const pullSecurity = logSocketSecurity(address, 'bind', 'address', options.authkey);
    const pubSecurity = logSocketSecurity(pubAddress, 'bind', 'pubAddress', options.authkey);
    const pull = new Pull({ linger: 0, maxMessageSize: options.maxMessageBytes ?? 16 * 1024 * 1024, ...pullSecurity });
    const pub = new XPublisher({ linger: 0, sendHighWaterMark: PUB_HIGH_WATER_MARK, ...pubSecurity });
    const releases: Array<() => void> = [];
    try {
      releases.push(await admitLogClients(pull, pullSecurity, `log server at ${address}`));
      releases.push(await admitLogClients(pub, pubSecurity, `log publisher at ${pubAddress}`));
      await pull.bind(address);
      await pub.bind(pubAddress);
    } catch (err) {
      pull.close();
      pub.close();
      for (const release of releases) release();
      throw new InvalidArgumentError(`log server cannot bind: ${(err as Error).message}`, { cause: err });
    }
    const server = new LogServer(pull, pub, options);
    server.releaseZap = releases;
    const dir = server.dir;
    // a directory we cannot look into now fails at the first write, where it is reported
    const warning = dir === undefined ? undefined : await secureLogDirectory(dir).catch((err: Error) => `cannot check log directory ${dir}: ${err.message}`);
    if (warning) server.dispatch([server.ownRecord('warn', warning)]);
    if (options.register ?? true) server.registerAsProcessLogServer();
    // the tree's logs are collected for the script: once it has nothing left to do and its
    // children are stopped, the log server writes what it holds and closes
    server.untrackIdle = closeWhenIdle({ order: IDLE_ORDER.logs, busy: () => false, close: () => server.close() });
    return server;
  }

  /**
   * Takes one record produced in this process (or anywhere else a socket is not wanted) as if
   * it had arrived on the PULL socket. Invalid records throw {@link ProtocolError}.
   */
  ingest(record: LogRecord): void {
    this.dispatch([validateRecord(record)]);
  }

  /** Takes one line of a child's output, as the spawner reports it. */
  readonly outputSink: OutputSink = (line: ChildLine) => {
    this.dispatch([childLineRecord(line, HOST_NAME)]);
  };

  /**
   * Calls `listener` with every batch of records the server accepts, in arrival order, for
   * in-process consumers (a UI, a forwarder, a test). Returns the function that removes it.
   * The listener must not throw and must not block.
   */
  onRecords(listener: (records: readonly LogRecord[]) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Stops receiving, writes what is queued, closes the sockets, and gives back the process's
   * registrations (output sink, log address, in-process loggers) to whoever held them before.
   */
  close(): Promise<void> {
    this.untrackIdle();
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private registerAsProcessLogServer(): void {
    const registration: Registration = {
      sink: this.outputSink,
      address: this.address,
      previousSink: getOutputSink(),
      previousAddress: getLogAddress(),
    };
    registrations.push(registration);
    setOutputSink(this.outputSink);
    setLogAddress(this.address);
    const removeLocal = pushLocalSink((record) => this.dispatch([record]));
    this.unregister = () => {
      removeLocal();
      const at = registrations.indexOf(registration);
      registrations.splice(at, 1);
      const later = registrations[at];
      if (later) {
        // a server started after this one and still running keeps its registration; what it
        // gives back when it closes is what this one found, not this closed server
        later.previousSink = registration.previousSink;
        later.previousAddress = registration.previousAddress;
        return;
      }
      if (getOutputSink() === this.outputSink) setOutputSink(registration.previousSink);
      if (getLogAddress() === this.address) setLogAddress(registration.previousAddress);
    };
  }

  private async shutdown(): Promise<void> {
    this.unregister?.();
    clearTimeout(this.malformedTimer);
    this.pull.close();
    await this.receiving;
    if (this.malformedSuppressed > 0) this.reportMalformedSummary();
    await this.publishing;
    this.pub.close();
    for (const release of this.releaseZap) release();
    await this.watchingSubscriptions;
    await this.file?.close();
    if (this.file && this.file.unwritten > 0) {
      this.printToConsole([this.ownRecord('error', `${this.file.unwritten} record(s) were not written to ${this.file.path}: it still fails`)]);
    }
  }

  private async receiveLoop(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.pull.receive();
      } catch (err) {
        if (this.pull.closed) return;
        // receive only fails on a closed socket or a dead context; nothing to resume
        this.printToConsole([this.ownRecord('error', `log server stopped receiving: ${(err as Error).message}`)]);
        return;
      }
      this.handleMessage(frames);
    }
  }

  private handleMessage(frames: Buffer[]): void {
    if (frames.length !== 1) {
      this.malformed(`expected 1 frame, got ${frames.length}`);
      return;
    }
    let decoded: unknown;
    try {
      decoded = msgpack.decode(frames[0]!);
    } catch (err) {
      this.malformed(`not MessagePack (${(err as Error).message})`);
      return;
    }
    if (!Array.isArray(decoded)) {
      this.malformed('the body is not an array of records');
      return;
    }
    const records: LogRecord[] = [];
    for (const item of decoded) {
      try {
        records.push(validateRecord(item));
      } catch (err) {
        this.malformed((err as Error).message);
      }
    }
    if (records.length > 0) this.dispatch(records);
  }

  private dispatch(records: LogRecord[]): void {
    this.stats.records += records.length;
    this.printToConsole(records);
    if (this.file) {
      for (const record of records) this.file.append(`${JSON.stringify(record)}\n`);
    }
    this.publish(records);
    for (const listener of this.listeners) listener(records);
  }

  /**
   * Prints records, unless the console stream already holds {@link CONSOLE_MAX_PENDING} bytes it
   * could not write: a console that does not keep up (a stream nobody reads) must not grow the
   * process. What is skipped is counted, and a notice with the count goes to the log (console,
   * file, subscribers) once the console takes text again.
   */
  private printToConsole(records: LogRecord[]): void {
    if (!this.out) return;
    let text = '';
    let count = 0;
    for (const record of records) {
      if (this.level && !levelPasses(record.level, this.level)) continue;
      text += `${formatRecord(record, { colors: this.colors })}\n`;
      count++;
    }
    if (!text) return;
    if (((this.out as { writableLength?: number }).writableLength ?? 0) > CONSOLE_MAX_PENDING) {
      this.stats.notPrinted += count;
      this.consoleSkipped += count;
      return;
    }
    if (this.consoleSkipped > 0) {
      const skipped = this.consoleSkipped;
      this.consoleSkipped = 0;
      this.dispatch([this.ownRecord('warn', `${skipped} record(s) not printed: the console did not keep up`)]);
    }
    this.out.write(text);
  }

  /**
   * Tracks subscriptions as the XPUB socket reports them (`1` + prefix to subscribe, `0` +
   * prefix to unsubscribe; ZeroMQ sends each prefix's first subscribe and last unsubscribe,
   * including when a subscriber disconnects).
   */
  private async subscriptionLoop(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.pub.receive();
      } catch {
        return; // closed
      }
      const message = frames[0];
      if (!message || message.length === 0) continue;
      const prefix = message.subarray(1).toString('utf8');
      if (!LOG_PUB_TOPIC.startsWith(prefix)) continue;
      if (message[0] === 1) this.subscriptions.add(prefix);
      else if (message[0] === 0) this.subscriptions.delete(prefix);
    }
  }

  /**
   * Queues records for the PUB socket. While the queue holds {@link PUB_QUEUE_MAX_BYTES} (a
   * flood faster than the socket takes it) further records are skipped, but still numbered: the
   * sequence of the next message jumps, and subscribers count them as missed.
   */
  private publish(records: LogRecord[]): void {
    if (this.pub.closed || this.subscriptions.size === 0) return;
    for (const record of records) {
      if (this.pubQueueBytes > PUB_QUEUE_MAX_BYTES) {
        this.pubSkipped++;
        continue;
      }
      this.pubQueue.push(record);
      this.pubQueueBytes += approximateSize(record);
    }
    this.publishing ??= this.publishLoop();
  }

  /**
   * One send in flight at a time (a zeromq.js rule); what piles up meanwhile goes out together,
   * in messages of bounded size. Each carries the number of records published before it, so a
   * subscriber that ZeroMQ dropped messages for (it fell {@link PUB_HIGH_WATER_MARK} messages
   * behind) can tell how many records it missed.
   */
  private async publishLoop(): Promise<void> {
    try {
      while (this.pubQueue.length > 0 && !this.pub.closed) {
        const batch = this.pubQueue;
        this.pubQueue = [];
        this.pubQueueBytes = 0;
        for (const { body, count } of encodePubBodies(batch)) {
          try {
            // records skipped since the last message go before it: their numbers are the gap
            this.stats.published += this.pubSkipped;
            this.pubSkipped = 0;
            await this.pub.send([LOG_PUB_TOPIC, body, sequenceFrame(this.stats.published)]);
            this.stats.published += count;
          } catch (err) {
            if (this.pub.closed) return;
            this.printToConsole([this.ownRecord('error', `cannot publish log records: ${(err as Error).message}`)]);
          }
        }
      }
    } finally {
      this.publishing = undefined;
    }
  }

  /**
   * Counts a malformed message or record and reports it, at most once per interval: a broken or
   * hostile sender must not flood the log with complaints about itself.
   */
  private malformed(reason: string): void {
    this.stats.malformed++;
    const now = Date.now();
    if (now - this.lastMalformedReport >= MALFORMED_REPORT_INTERVAL) {
      this.lastMalformedReport = now;
      this.dispatch([this.ownRecord('warn', `skipped a malformed log message: ${reason}`)]);
      return;
    }
    this.malformedSuppressed++;
    if (!this.malformedTimer) {
      this.malformedTimer = setTimeout(() => {
        this.malformedTimer = undefined;
        this.reportMalformedSummary();
      }, MALFORMED_REPORT_INTERVAL - (now - this.lastMalformedReport));
      this.malformedTimer.unref();
    }
  }

  private reportMalformedSummary(): void {
    const count = this.malformedSuppressed;
    this.malformedSuppressed = 0;
    this.lastMalformedReport = Date.now();
    this.dispatch([this.ownRecord('warn', `skipped ${count} more malformed log message(s)`)]);
  }

  private ownRecord(level: LogLevel, msg: string): LogRecord {
    return {
      time: Date.now(),
      host: HOST_NAME,
      process: getProcessName(),
      pid: process.pid,
      logger: 'zeroproc.log-server',
      stream: 'log',
      level,
      msg,
    };
  }
}

/**
 * Throws {@link InvalidArgumentError} naming the first bad option, before any socket exists:
 * zeromq.js throws a bare TypeError for an option of the wrong type and the half-made socket
 * then crashes the process at exit (a segfault), and an error after the binds would leave the
 * sockets open.
 */
function checkOptions(options: LogServerOptions): void {
  const { level, dir, console: out, maxMessageBytes, address, pubAddress } = options;
  if (address !== undefined) logSocketSecurity(address, 'bind', 'startLogServer: option `address`', options.authkey);
  if (pubAddress !== undefined) logSocketSecurity(pubAddress, 'bind', 'startLogServer: option `pubAddress`', options.authkey);
  if (level !== undefined && !isLogLevel(level)) throw new InvalidArgumentError(`unknown log level ${JSON.stringify(level)}`);
  if (dir !== undefined && dir !== false && typeof dir !== 'string') {
    throw new InvalidArgumentError(`dir must be a directory path or false, got ${String(dir)}`);
  }
  if (out !== undefined && typeof out !== 'boolean' && typeof (out as { write?: unknown } | null)?.write !== 'function') {
    throw new InvalidArgumentError(`console must be true, false or a writable stream, got ${String(out)}`);
  }
  if (maxMessageBytes !== undefined && (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1)) {
    throw new InvalidArgumentError(`maxMessageBytes must be a positive integer, got ${String(maxMessageBytes)}`);
  }
  resolveRotation(options.rotate);
}

/**
 * Starts the log server of this process.
 *
 * It binds a PULL socket for records and a PUB socket for live subscribers, prints records as
 * `[name:pid] level message` (colours on a terminal), and appends them as JSON lines to
 * `<dir>/zeroproc.log` with size rotation. Unless `register: false`, it becomes this process's
 * log server: children spawned while it runs send to it (their stdout/stderr lines too), and
 * {@link getLogger} loggers of this process write to it directly.
 *
 * ```ts
 * await using logs = await startLogServer({ dir: 'logs', level: 'info' });
 * ```
 */
export function startLogServer(options: LogServerOptions = {}): Promise<LogServer> {
  return LogServer.start(options);
}
