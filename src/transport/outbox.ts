import { QueueFullError } from '../errors.js';
import type { Codec } from '../wire/codec.js';
import { packFrames, type EncodedMessage } from '../wire/frames.js';
import { DEFAULT_CLIENT_QUEUED_BYTES, MAX_BATCH_BYTES, messageSize, SMALL_MESSAGE, SMALL_MESSAGE_ALLOWANCE } from './limits.js';

/** Where a batch goes: the frames that route it, and its codec. */
export interface Destination {
  /** Identifies the destination within one outbox (a peer's routing id, or '' for a DEALER). */
  key: string;
  /** Frames sent before the message frames (a ROUTER's routing id). */
  route: Buffer[];
  codec: Codec;
}

/** Limits of one outbox. */
export interface OutboxLimits {
  /** Messages that may wait to be sent before `push` throws QueueFullError. */
  maxQueued: number;
  /** Messages joined into one batch at most. */
  maxBatch: number;
  /**
   * Bytes that may wait for one destination, counted from `push` until the socket took them.
   * A message is always queued when nothing waits for its destination, however large; a small
   * one (an error reply) may use SMALL_MESSAGE_ALLOWANCE more.
   */
  maxQueuedBytes: number;
}

/** Default limits: the message count is generous because most waiting messages are small. */
export const defaultOutboxLimits: OutboxLimits = { maxQueued: 1_000_000, maxBatch: 4096, maxQueuedBytes: DEFAULT_CLIENT_QUEUED_BYTES };

/** Messages for one destination, and their bytes not yet taken by the socket. */
interface Pending {
  dest: Destination;
  messages: EncodedMessage[];
  bytes: number;
  /**
   * Messages for the same destination in another codec (a peer that switched codecs), sent
   * after these: a batch has one codec, named in its header. Messages keep their order within
   * a codec, not across codecs (replies are matched by id).
   */
  other?: Pending | undefined;
}

/** How often a destination whose ZeroMQ queue was full is tried again, ms. */
const RETRY_BLOCKED_MS = 20;

/** The error zeromq.js gives a send that cannot be queued at once (sendTimeout 0, queue full). */
function isBlocked(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EAGAIN';
}

/**
 * The one send queue of a socket. zeromq.js allows a single send in flight, so one chain of
 * sends drains the queue: a message pushed while no send is in flight leaves at once, and everything pushed
 * while one is (for a synchronous burst: the rest of the turn) leaves in one batch per
 * destination.
 */
export class Outbox {
  private pending = new Map<string, Pending>();
  private queued = 0;
  /** A send is in flight: what is pushed meanwhile waits in `pending` for the chain to take it. */
  private sending = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly limits: OutboxLimits;
  /** See `waitWhenBlocked`; undefined: a send failure of any kind drops the batch. */
  private blockedTimeout: number | undefined;
  /** Destinations whose ZeroMQ queue was full at the last try, skipped until the retry. */
  private readonly parked = new Set<string>();
  /** Since when each blocked destination has taken nothing, ms. */
  private readonly blockedSince = new Map<string, number>();
  private retry: NodeJS.Timeout | undefined;
  /** The entry being sent (taken from `pending`), and the index of its next message to send. */
  private current: Pending | undefined;
  private next = 0;
  /** The batch in flight: the entry it is from, and where in it the batch starts. */
  private flying: { entry: Pending; start: number; batch: readonly EncodedMessage[] } | undefined;
  // made once: one send is in flight at a time, so its state lives in `flying`, not in closures
  private readonly whenSent = (): void => this.sent();
  private readonly whenFailed = (err: unknown): void => this.failed(err);

  constructor(
    private readonly send: (frames: Buffer[]) => Promise<void>,
    /** Told about a batch that could not be sent; the outbox carries on with the next. */
    private readonly onSendError: (error: unknown, dest: Destination, messages: number) => void,
    limits: OutboxLimits = defaultOutboxLimits,
  ) {
    this.limits = { ...limits };
  }

  /** Sets `maxQueuedBytes` (the owner knows it only once its options are resolved). */
  limitQueuedBytes(maxQueuedBytes: number): void {
    this.limits.maxQueuedBytes = maxQueuedBytes;
  }

  /**
   * For a socket that fails a send at once when the destination's ZeroMQ queue is full (a ROUTER
   * with sendTimeout 0): the messages for that destination stay queued, still counted against
   * its byte bound, while the others go on; it is tried again every RETRY_BLOCKED_MS, and what
   * waits for it is dropped (and reported) once it took nothing for `timeoutMs`. So one peer that
   * stops reading holds up neither the replies to the others nor the server's memory.
   */
  waitWhenBlocked(timeoutMs: number): void {
    this.blockedTimeout = timeoutMs;
  }

  /** Queues one encoded message; throws QueueFullError when the queue is at its limit. */
  push(dest: Destination, message: EncodedMessage): void {
    if (this.closed) return;
    if (this.queued >= this.limits.maxQueued) {
      throw new QueueFullError(`send queue is full (${this.queued} messages waiting); await replies before sending more`);
    }
    const size = messageSize(message);
    const waiting = this.waitingBytes(dest.key);
    const limit = this.limits.maxQueuedBytes + (size <= SMALL_MESSAGE ? SMALL_MESSAGE_ALLOWANCE : 0);
    if (waiting > 0 && waiting + size > limit) {
      throw new QueueFullError(`send queue is full: ${waiting} bytes wait to be sent, and ${size} more would pass its limit of ${this.limits.maxQueuedBytes} bytes (maxQueuedBytes); the receiver does not keep up`);
    }
    this.queued++;
    // A quiet socket sends at once: a lone call or reply waits for no microtask and passes
    // through no queue, and ZeroMQ starts on it while this turn goes on. What is pushed while
    // that send is in flight (the rest of a burst) leaves in one batch per destination when it
    // completes.
    if (!this.sending && this.pending.size === 0) {
      this.current = { dest, messages: [message], bytes: size };
      this.next = 0;
      this.startSending();
      return;
    }
    let entry = this.pending.get(dest.key);
    if (!entry) {
      entry = { dest, messages: [], bytes: 0 };
      this.pending.set(dest.key, entry);
    }
    if (entry.other !== undefined || entry.dest.codec !== dest.codec) entry = this.lastInCodec(entry, dest);
    entry.messages.push(message);
    entry.bytes += size;
    this.startSending();
  }

  /** Resolves once everything queued so far has been handed to the socket (or dropped). */
  whenIdle(): Promise<void> {
    if (!this.sending && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops everything waiting and refuses more (the socket is closing). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.pending.clear();
    this.parked.clear();
    this.blockedSince.clear();
    this.queued = 0;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Starts the chain of sends unless it runs (it then takes what was queued in turn). */
  private startSending(): void {
    if (this.sending) return;
    this.sending = true;
    this.sendNext();
  }

  /**
   * Sends the next batch: the rest of the entry being sent, else the first ready destination's
   * (entries are taken in the order their destinations first waited, so each gets its turn);
   * ends the drain when nothing is ready. A chain of callbacks rather than an async loop: a
   * lone message then costs no promise of ours.
   */
  private sendNext(): void {
    let entry = this.current;
    if (entry === undefined || this.next >= entry.messages.length) entry = this.current = this.takeReady();
    if (entry === undefined || this.closed) return this.stopSending();
    const start = this.next;
    const end = (this.next = this.batchEnd(entry.messages, start));
    const batch = start === 0 && end === entry.messages.length ? entry.messages : entry.messages.slice(start, end);
    let sent: Promise<void>;
    try {
      sent = this.send(packFrames(entry.dest.codec, batch, entry.dest.route));
    } catch (err) {
      sent = Promise.reject(err);
    }
    this.flying = { entry, start, batch };
    sent.then(this.whenSent, this.whenFailed);
  }

  private sent(): void {
    const { entry, batch } = this.flying!;
    this.flying = undefined;
    if (this.closed) return this.stopSending();
    if (this.blockedSince.size > 0) this.blockedSince.delete(entry.dest.key);
    this.taken(entry, batch);
    this.sendNext();
  }

  private failed(err: unknown): void {
    const { entry, start, batch } = this.flying!;
    this.flying = undefined;
    if (this.closed) return this.stopSending();
    if (this.blockedTimeout !== undefined && isBlocked(err)) {
      this.current = undefined;
      this.park(entry, start, err);
    } else {
      this.onSendError(err, entry.dest, batch.length);
      this.taken(entry, batch);
    }
    this.sendNext();
  }

  /** The socket took (or failed) `batch` of `entry`. */
  private taken(entry: Pending, batch: readonly EncodedMessage[]): void {
    this.queued -= batch.length;
    for (const m of batch) entry.bytes -= messageSize(m);
  }

  /**
   * The last entry of `first`'s chain in `dest`'s codec, made at the end of the chain when there
   * is none: a park can leave a codec on both sides of another, and a message goes behind the
   * last one of its codec.
   */
  private lastInCodec(first: Pending, dest: Destination): Pending {
    let last = first;
    let same: Pending | undefined;
    for (let entry: Pending | undefined = first; entry !== undefined; entry = entry.other) {
      last = entry;
      if (entry.dest.codec === dest.codec) same = entry;
    }
    return same ?? (last.other = { dest, messages: [], bytes: 0 });
  }

  /** Bytes pushed for `key` and not yet taken: its waiting entries', and the one being sent's. */
  private waitingBytes(key: string): number {
    const current = this.current;
    let bytes = current !== undefined && current.dest.key === key ? current.bytes : 0;
    for (let entry = this.pending.get(key); entry !== undefined; entry = entry.other) bytes += entry.bytes;
    return bytes;
  }

  private stopSending(): void {
    this.sending = false;
    this.current = undefined;
    // parked messages are still to be handed over: whoever waits for idle waits for them too
    if ((this.pending.size > 0 && !this.closed) || this.idleWaiters.length === 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Takes the pending entry of the first destination that is not parked. */
  private takeReady(): Pending | undefined {
    for (const entry of this.pending.values()) {
      if (this.parked.size > 0 && this.parked.has(entry.dest.key)) continue;
      this.pending.delete(entry.dest.key);
      if (entry.other) {
        this.pending.set(entry.dest.key, entry.other);
        entry.other = undefined;
      }
      this.next = 0;
      return entry;
    }
    return undefined;
  }

  /**
   * Puts the messages of `entry` from `start` on back in front of what was queued for its
   * destination since, to be tried again; or drops all of it when the destination has taken
   * nothing for `blockedTimeout`.
   */
  private park(entry: Pending, start: number, err: unknown): void {
    const { dest } = entry;
    const now = Date.now();
    const since = this.blockedSince.get(dest.key) ?? now;
    const later = this.pending.get(dest.key);
    this.pending.delete(dest.key);
    const rest = entry.messages.slice(start);
    const all: Pending =
      later?.dest.codec === dest.codec
        ? { dest, messages: rest.concat(later.messages), bytes: entry.bytes + later.bytes, other: later.other }
        : { dest, messages: rest, bytes: entry.bytes, other: later };
    if (now - since >= this.blockedTimeout!) {
      this.blockedSince.delete(dest.key);
      let dropped = 0;
      for (let e: Pending | undefined = all; e !== undefined; e = e.other) dropped += e.messages.length;
      this.queued -= dropped;
      this.onSendError(err, dest, dropped);
      return;
    }
    this.blockedSince.set(dest.key, since);
    this.pending.set(dest.key, all);
    this.parked.add(dest.key);
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.parked.clear();
      this.startSending();
    }, RETRY_BLOCKED_MS).unref();
  }

  /**
   * Where the batch starting at `start` ends: at most `maxBatch` messages, cut before the message
   * that would take it past MAX_BATCH_BYTES, so a large message goes alone (a batch is one ZeroMQ
   * message, held whole by libzmq's queues and checked whole by the receiver's size limit).
   */
  private batchEnd(messages: readonly EncodedMessage[], start: number): number {
    let end = start;
    let bytes = 0;
    while (end < messages.length && end - start < this.limits.maxBatch) {
      const size = messageSize(messages[end]!);
      if (end > start && bytes + size > MAX_BATCH_BYTES) break;
      bytes += size;
      end++;
    }
    return end;
  }
}
