/**
 * LogSender: a winston transport that PUSHes records to a log server over ZeroMQ.
 */
import msgpack from 'msgpack-lite';
import { TransportBase } from './transport-base.js';
import { Push } from 'zeromq';
import { InvalidArgumentError } from '../errors.js';
import { isDelay, MAX_DELAY_MS } from '../delays.js';
import { HOST_NAME, getProcessName, recordFromInfo } from './context.js';
import { flushAtExit } from './exit-flush.js';
import { logSocketSecurity } from './socket-security.js';
import type { LinkAuth } from '../rpc/local.js';
import { isLogLevel, type LogLevel, type LogRecord } from './record.js';

/** Options of {@link LogSender}. */
export interface LogSenderOptions {
  /** ZeroMQ endpoint of the log server's PULL socket, e.g. `tcp://127.0.0.1:5555`. */
  address: string;
  /**
   * Key of the CURVE link to a server on another machine (its `authkey`). Default: the process
   * default key (a spawned child's is its parent's). Not used on local addresses.
   */
  authkey?: LinkAuth;
  /** Logger name stamped on records that come through winston. Default `''`. */
  logger?: string;
  /** Minimum level this transport passes on (winston transport level). Default: all. */
  level?: LogLevel;
  /**
   * Records held while the server does not take them; beyond this, new records are dropped and
   * counted, and a `warn` record saying how many follows once there is room. Default 10 000.
   */
  maxQueue?: number;
  /** Most records in one message (fewer when they would take more than 1 MiB). Default 1 000. */
  maxBatch?: number;
  /**
   * How long, in ms, the process may wait at exit for ZeroMQ to take the records still waiting
   * (in this sender or in ZeroMQ) when the server is slow or gone. A whole number from 0 to
   * 2^31 - 1. Default 1 000.
   */
  linger?: number;
}

/**
 * ZeroMQ holds at most one message of a sender; the sender's own queue holds the rest. With a
 * high-water mark of 1, ZeroMQ's low-water mark is 1 too, so the socket turns writable again
 * exactly when its connection has taken the message: `socket.writable` says "nothing of ours is
 * left in ZeroMQ's queue", which is what the exit has to wait for.
 */
const SEND_HIGH_WATER_MARK = 1;

/**
 * Largest message a sender builds from several records, in bytes. A server drops the connection
 * of a sender whose message is over its limit (16 MiB by default), and every record of that
 * message with it; records that fit one by one must not be lost for travelling together.
 */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Delays, in ms, of the retries while ZeroMQ still holds the previous message: 1, 2, 4, ... 20. */
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 20;

/** Blocks the thread for `ms` (used only at exit, when the event loop no longer runs). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * A winston transport that sends records to a log server.
 *
 * It never blocks the process while it runs: `log()` only queues; records queued in the same
 * event-loop turn leave together as one message; the socket sends without waiting
 * (`sendTimeout: 0`), and while ZeroMQ still holds the previous message the sender retries on an
 * unref'd timer, so a missing server never keeps the process alive.
 *
 * At exit (`process.exit()`, an uncaught exception, or the end of the event loop) it blocks,
 * at most `linger` ms, until ZeroMQ's connection has taken every record: the queued ones and the
 * message ZeroMQ still held. ZeroMQ's own linger does not cover the first two cases: Node ends
 * the process there without closing the sockets, and whatever the I/O thread had not yet written
 * is lost.
 */
export class LogSender extends TransportBase {
  /** The server's PULL endpoint. */
  readonly address: string;
  private readonly loggerName: string;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly socket: Push;
  private queue: LogRecord[] = [];
  private droppedSinceNotice = 0;
  private droppedTotal = 0;
  private scheduled = false;
  private draining = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_FIRST_MS;
  private shut = false;
  private idleWaiters: Array<() => void> = [];
  private sendErrorReported = false;
  /** The drop notices in the queue, with the number of records each stands for. */
  private readonly noticeCounts = new WeakMap<LogRecord, number>();
  /** Records of the message ZeroMQ may still hold (0 once the socket turned writable). */
  private heldByZeromq = 0;
  /**
   * Records the next message starts from: `maxBatch`, halved while messages of large records
   * come out too big, doubled back once they are small again.
   */
  private batchSize: number;
  /** Ends this sender's delivery attempt at process exit (it holds records until closed). */
  private readonly stopFlushAtExit: () => void;

  constructor(options: LogSenderOptions) {
    super(options.level ? { level: options.level } : {});
    if (typeof options.address !== 'string' || options.address === '') {
      throw new InvalidArgumentError('LogSender needs the address of a log server');
    }
    if (options.level !== undefined && !isLogLevel(options.level)) {
      throw new InvalidArgumentError(`unknown log level ${JSON.stringify(options.level)}`);
    }
    this.address = options.address;
    this.loggerName = options.logger ?? '';
    this.maxQueue = positiveInt('maxQueue', options.maxQueue, 10_000);
    this.maxBatch = positiveInt('maxBatch', options.maxBatch, 1_000);
    this.batchSize = this.maxBatch;
    this.lingerMs = options.linger ?? 1_000;
    // checked before the socket exists: zeromq.js throws a bare TypeError for a non-number and
    // the half-made socket crashes the process at exit; a negative linger would wait forever
    if (!isDelay(this.lingerMs) || !Number.isInteger(this.lingerMs)) {
      throw new InvalidArgumentError(`linger must be a whole number of ms from 0 to ${MAX_DELAY_MS}, got ${String(this.lingerMs)}`);
    }
    const security = logSocketSecurity(this.address, 'connect', 'LogSender: option `address`', options.authkey);
    this.socket = new Push({ linger: this.lingerMs, sendTimeout: 0, sendHighWaterMark: SEND_HIGH_WATER_MARK, ...security });
    try {
      this.socket.connect(this.address);
    } catch (err) {
      this.socket.close();
      throw new InvalidArgumentError(`LogSender cannot connect to ${JSON.stringify(this.address)}: ${(err as Error).message}`, { cause: err });
    }
    this.stopFlushAtExit = flushAtExit(this);
  }

  /** Records dropped so far because the queue was full. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Records waiting to be handed to ZeroMQ. */
  get queued(): number {
    return this.queue.length;
  }

  /** winston's entry point: converts `info` to a record and queues it. */
  override log(info: Record<string, unknown>, next: () => void): void {
    this.send(recordFromInfo(info, this.loggerName));
    next();
  }

  /** Queues a ready-made record (not passed through winston). */
  send(record: LogRecord): void {
    if (this.shut) return;
    if (this.queue.length >= this.maxQueue) {
      this.droppedSinceNotice++;
      this.droppedTotal++;
      return;
    }
    if (this.droppedSinceNotice > 0) this.queueDropNotice();
    this.queue.push(record);
    this.schedule();
  }

  /** Resolves once every queued record has been handed to ZeroMQ (or the sender closed). */
  flush(): Promise<void> {
    if ((this.queue.length === 0 && !this.draining) || this.shut) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Hands every queued record to ZeroMQ and blocks until ZeroMQ's connection has taken them all
   * (and the message it already held), at most `linger` ms in all. Used at process exit, when
   * nothing asynchronous runs any more; returns at once when nothing is waiting. What is left
   * when the time is up is dropped, and ZeroMQ is told not to wait for it again.
   */
  flushSync(): void {
    if (this.shut) return;
    if (this.droppedSinceNotice > 0) this.queueDropNotice();
    const deadline = Date.now() + this.lingerMs;
    for (;;) {
      // writable: ZeroMQ holds nothing of ours (its high-water mark is one message)
      if (this.socket.writable) {
        this.heldByZeromq = 0;
        if (this.queue.length === 0) return;
        const { batch, message } = this.takeMessage();
        try {
          // sendTimeout 0: the message is queued (or refused) before send() returns
          this.socket.send(message).catch(() => undefined);
          this.heldByZeromq = this.weight(batch);
        } catch {
          return; // closed under us: nothing more can be done
        }
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      sleepSync(Math.min(1, left));
    }
    // the server is gone or stuck: do not let ZeroMQ wait a second time at the end of the process
    const lost = this.weight(this.queue) + this.heldByZeromq;
    this.queue = [];
    this.socket.linger = 0;
    this.reportDropped(lost, 'at exit');
  }

  /**
   * Says how many records were given up: on stderr, the one channel left when the log server
   * does not take records, and one a spawner turns into a record of the aggregated log.
   */
  private reportDropped(count: number, when: string): void {
    if (count === 0) return;
    process.stderr.write(`zeroproc: ${count} log record(s) dropped ${when}: the log server at ${this.address} did not take them within ${this.lingerMs} ms\n`);
  }

  /** How many records `records` stand for: a drop notice counts the records it reports. */
  private weight(records: readonly LogRecord[]): number {
    let n = 0;
    for (const record of records) n += this.noticeCounts.get(record) ?? 1;
    return n;
  }

  /**
   * Sends what is queued (waiting at most `linger` for ZeroMQ to deliver it) and closes the
   * socket. Also called by winston when the logger closes.
   */
  override close(): Promise<void> {
    if (this.shut) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    // a server that takes nothing must not hold close() forever
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.lingerMs)));
    return Promise.race([this.flush(), giveUp]).then(() => {
      clearTimeout(timer);
      if (this.shut) return;
      this.shut = true;
      this.stopFlushAtExit();
      clearTimeout(this.retryTimer);
      this.socket.close();
      if (this.droppedSinceNotice > 0) this.queueDropNotice();
      this.reportDropped(this.weight(this.queue), 'on close');
      this.queue = [];
      this.wakeIdleWaiters();
    });
  }

  /**
   * Takes the next message off the queue: up to `maxBatch` records, fewer when their message
   * would be over {@link MAX_MESSAGE_BYTES} (one record always goes, whatever its size).
   */
  private takeMessage(): { batch: LogRecord[]; message: Buffer } {
    for (;;) {
      const count = Math.min(this.batchSize, this.queue.length);
      const message = msgpack.encode(this.queue.slice(0, count));
      if (message.length > MAX_MESSAGE_BYTES && count > 1) {
        this.batchSize = Math.ceil(count / 2);
        continue;
      }
      if (message.length <= MAX_MESSAGE_BYTES / 2) this.batchSize = Math.min(this.maxBatch, this.batchSize * 2);
      return { batch: this.queue.splice(0, count), message };
    }
  }

  private schedule(): void {
    if (this.scheduled || this.draining || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining || this.shut) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.shut) {
        const { batch, message } = this.takeMessage();
        try {
          await this.socket.send(message);
          this.heldByZeromq = this.weight(batch);
          this.retryDelay = RETRY_FIRST_MS;
        } catch (err) {
          if ((err as { code?: string }).code === 'EAGAIN') {
            this.queue.unshift(...batch);
            this.retryLater();
            return;
          }
          this.reportSendError(err);
        }
        if (this.queue.length === 0 && this.droppedSinceNotice > 0) this.queueDropNotice();
      }
    } finally {
      this.draining = false;
      if (this.queue.length === 0 || this.shut) this.wakeIdleWaiters();
    }
  }

  /**
   * ZeroMQ still holds the previous message (its connection has not taken it yet, or the server
   * is slow or gone): try again soon, backing off to every 20 ms, without holding the process.
   */
  private retryLater(): void {
    if (this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, delay);
    this.retryTimer.unref();
  }

  private queueDropNotice(): void {
    const count = this.droppedSinceNotice;
    this.droppedSinceNotice = 0;
    const notice: LogRecord = {
      time: Date.now(),
      host: HOST_NAME,
      process: getProcessName(),
      pid: process.pid,
      logger: 'zeroproc.log',
      stream: 'log',
      level: 'warn',
      msg: `${count} log record(s) dropped: the log server at ${this.address} did not keep up`,
    };
    this.noticeCounts.set(notice, count);
    this.queue.push(notice);
  }

  private reportSendError(err: unknown): void {
    if (this.sendErrorReported) return;
    this.sendErrorReported = true;
    process.stderr.write(`zeroproc: cannot send log records to ${this.address}: ${String(err)}\n`);
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
