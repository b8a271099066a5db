/**
 * LogSender: a winston transport that PUSHes records to a log server over ZeroMQ.
 */
import msgpack from 'msgpack-lite';
import { TransportBase } from './transport-base.js';
import { Push } from 'zeromq';
import { InvalidArgumentError } from '../errors.js';
import { HOST_NAME, getProcessName, recordFromInfo } from './context.js';
import { isLogLevel, type LogLevel, type LogRecord } from './record.js';

/** Options of {@link LogSender}. */
export interface LogSenderOptions {
  /** ZeroMQ endpoint of the log server's PULL socket, e.g. `tcp://127.0.0.1:5555`. */
  address: string;
  /** Logger name stamped on records that come through winston. Default `''`. */
  logger?: string;
  /** Minimum level this transport passes on (winston transport level). Default: all. */
  level?: LogLevel;
  /**
   * Records held while the server does not take them; beyond this, new records are dropped and
   * counted, and a `warn` record saying how many follows once there is room. Default 10 000.
   */
  maxQueue?: number;
  /** Most records in one message. Default 1 000. */
  maxBatch?: number;
  /**
   * How long, in ms, the process may wait at exit to deliver records already handed to ZeroMQ
   * when the server is slow or gone. Default 1 000.
   */
  linger?: number;
}

/** Senders that still hold records the process must try to deliver before it exits. */
const liveSenders = new Set<LogSender>();
let exitHookInstalled = false;

function flushAllAtExit(): void {
  for (const sender of liveSenders) sender.flushSync();
}

/**
 * A winston transport that sends records to a log server.
 *
 * It never blocks the process: `log()` only queues; records queued in the same event-loop turn
 * leave together as one message; the socket sends without waiting (`sendTimeout: 0`), and when
 * ZeroMQ's own queue is full the sender retries on an unref'd timer, so a missing server never
 * keeps the process alive. At exit the records still queued are handed to ZeroMQ
 * synchronously, and ZeroMQ delivers them within `linger` ms.
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
  private shut = false;
  private idleWaiters: Array<() => void> = [];
  private sendErrorReported = false;

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
    this.lingerMs = options.linger ?? 1_000;
    this.socket = new Push({ linger: this.lingerMs, sendTimeout: 0 });
    this.socket.connect(this.address);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', flushAllAtExit);
    }
    liveSenders.add(this);
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
   * Hands every queued record to ZeroMQ at once, without waiting; what ZeroMQ cannot take now
   * is lost. Used at process exit, when nothing asynchronous runs any more.
   */
  flushSync(): void {
    if (this.shut || this.queue.length === 0) return;
    if (this.droppedSinceNotice > 0) this.queueDropNotice();
    const batch = this.queue;
    this.queue = [];
    try {
      this.socket.send(msgpack.encode(batch)).catch(() => undefined);
    } catch {
      // the socket was busy: nothing more can be done synchronously
    }
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
      liveSenders.delete(this);
      clearTimeout(this.retryTimer);
      this.socket.close();
      this.wakeIdleWaiters();
    });
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
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.socket.send(msgpack.encode(batch));
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

  /** ZeroMQ's queue is full (server slow or gone): try again later without holding the process. */
  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, 20);
    this.retryTimer.unref();
  }

  private queueDropNotice(): void {
    const count = this.droppedSinceNotice;
    this.droppedSinceNotice = 0;
    this.queue.push({
      time: Date.now(),
      host: HOST_NAME,
      process: getProcessName(),
      pid: process.pid,
      logger: 'zeroproc.log',
      stream: 'log',
      level: 'warn',
      msg: `${count} log record(s) dropped: the log server at ${this.address} did not keep up`,
    });
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
