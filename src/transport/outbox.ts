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

interface Pending {
  dest: Destination;
  messages: EncodedMessage[];
}

/** How often a destination whose ZeroMQ queue was full is tried again, ms. */
const RETRY_BLOCKED_MS = 20;

/** The error zeromq.js gives a send that cannot be queued at once (sendTimeout 0, queue full). */
function isBlocked(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EAGAIN';
}

/**
 * The one send queue of a socket. zeromq.js allows a single send in flight, so one loop drains
 * the queue: a message pushed while no send is in flight leaves at once, and everything pushed
 * while one is (for a synchronous burst: the rest of the turn) leaves in one batch per
 * destination.
 */
export class Outbox {
  private pending = new Map<string, Pending>();
  private queued = 0;
  /** Bytes pushed and not yet taken by the socket, per destination key. */
  private readonly bytes = new Map<string, number>();
  /** The drain loop is running (it may be awaiting a send). */
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
    const waiting = this.bytes.get(dest.key) ?? 0;
    const limit = this.limits.maxQueuedBytes + (size <= SMALL_MESSAGE ? SMALL_MESSAGE_ALLOWANCE : 0);
    if (waiting > 0 && waiting + size > limit) {
      throw new QueueFullError(`send queue is full: ${waiting} bytes wait to be sent, and ${size} more would pass its limit of ${this.limits.maxQueuedBytes} bytes (maxQueuedBytes); the receiver does not keep up`);
    }
    this.bytes.set(dest.key, waiting + size);
    let entry = this.pending.get(dest.key);
    if (!entry) {
      entry = { dest, messages: [] };
      this.pending.set(dest.key, entry);
    }
    entry.messages.push(message);
    this.queued++;
    // A quiet socket sends at once: a lone call or reply waits for no microtask, and ZeroMQ
    // starts on it while this turn goes on. What is pushed while that send is in flight (the rest
    // of a burst) leaves in one batch per destination when it completes.
    if (!this.sending) void this.drain();
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
    this.bytes.clear();
    this.parked.clear();
    this.blockedSince.clear();
    this.queued = 0;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    for (let ready = this.takeReady(); ready.length > 0 && !this.closed; ready = this.takeReady()) {
      for (const entry of ready) await this.sendEntry(entry);
    }
    this.sending = false;
    // parked messages are still to be handed over: whoever waits for idle waits for them too
    if (this.pending.size > 0 && !this.closed) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Takes the pending entries of destinations that are not parked. */
  private takeReady(): Pending[] {
    const ready: Pending[] = [];
    for (const [key, entry] of this.pending) {
      if (this.parked.has(key)) continue;
      this.pending.delete(key);
      ready.push(entry);
    }
    return ready;
  }

  /** Sends an entry's messages in batches; parks what a full ZeroMQ queue did not take. */
  private async sendEntry({ dest, messages }: Pending): Promise<void> {
    for (let i = 0; i < messages.length && !this.closed; ) {
      const [end, bytes] = this.batchEnd(messages, i);
      try {
        await this.send(packFrames(dest.codec, i === 0 && end === messages.length ? messages : messages.slice(i, end), dest.route));
        this.blockedSince.delete(dest.key);
      } catch (err) {
        if (this.closed) return;
        if (this.blockedTimeout !== undefined && isBlocked(err)) return this.park(dest, messages.slice(i), err);
        this.onSendError(err, dest, end - i);
      }
      this.queued -= end - i;
      this.taken(dest.key, bytes);
      i = end;
    }
  }

  /**
   * Puts `rest` back in front of what was queued for `dest` since, to be tried again; or drops
   * all of it when the destination has taken nothing for `blockedTimeout`.
   */
  private park(dest: Destination, rest: EncodedMessage[], err: unknown): void {
    const now = Date.now();
    const since = this.blockedSince.get(dest.key) ?? now;
    const later = this.pending.get(dest.key)?.messages ?? [];
    this.pending.delete(dest.key);
    const all = later.length > 0 ? rest.concat(later) : rest;
    if (now - since >= this.blockedTimeout!) {
      this.blockedSince.delete(dest.key);
      this.queued -= all.length;
      this.bytes.delete(dest.key);
      this.onSendError(err, dest, all.length);
      return;
    }
    this.blockedSince.set(dest.key, since);
    this.pending.set(dest.key, { dest, messages: all });
    this.parked.add(dest.key);
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.parked.clear();
      void this.drain();
    }, RETRY_BLOCKED_MS).unref();
  }

  /**
   * Where the batch starting at `start` ends, and its bytes: at most `maxBatch` messages, cut
   * before the message that would take it past MAX_BATCH_BYTES, so a large message goes alone
   * (a batch is one ZeroMQ message, held whole by libzmq's queues and checked whole by the
   * receiver's size limit).
   */
  private batchEnd(messages: readonly EncodedMessage[], start: number): [number, number] {
    let end = start;
    let bytes = 0;
    while (end < messages.length && end - start < this.limits.maxBatch) {
      const size = messageSize(messages[end]!);
      if (end > start && bytes + size > MAX_BATCH_BYTES) break;
      bytes += size;
      end++;
    }
    return [end, bytes];
  }

  private taken(key: string, bytes: number): void {
    const left = (this.bytes.get(key) ?? 0) - bytes;
    if (left > 0) this.bytes.set(key, left);
    else this.bytes.delete(key);
  }
}
