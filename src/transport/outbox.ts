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

// Promise.resolve().then schedules like queueMicrotask without the AsyncResource Node makes for
// each queueMicrotask call (one per message on a quiet link)
const settled = Promise.resolve();

interface Pending {
  dest: Destination;
  messages: EncodedMessage[];
}

/**
 * The one send queue of a socket. zeromq.js allows a single send in flight, so one loop drains
 * the queue; everything pushed while a send is in flight, or within the same tick, leaves in
 * one batch per destination.
 */
export class Outbox {
  private pending = new Map<string, Pending>();
  private queued = 0;
  /** Bytes pushed and not yet taken by the socket, per destination key. */
  private readonly bytes = new Map<string, number>();
  /** A drain is scheduled or running. */
  private draining = false;
  /** The drain loop is running (it may be awaiting a send). */
  private sending = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly drainSoon = (): void => void this.drain();
  private readonly limits: OutboxLimits;

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
    if (entry.messages.length >= this.limits.maxBatch && !this.sending) {
      // a producer in a long synchronous loop: let full batches leave while it goes on
      void this.drain();
    } else if (!this.draining) {
      this.draining = true;
      void settled.then(this.drainSoon);
    }
  }

  /** Resolves once everything queued so far has been handed to the socket. */
  whenIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops everything waiting and refuses more (the socket is closing). */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.bytes.clear();
    this.queued = 0;
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    this.draining = true;
    while (this.pending.size > 0 && !this.closed) {
      const batch = this.pending;
      this.pending = new Map();
      for (const { dest, messages } of batch.values()) {
        for (let i = 0; i < messages.length && !this.closed; ) {
          const [end, bytes] = this.batchEnd(messages, i);
          const chunk = messages.slice(i, end);
          i = end;
          this.queued -= chunk.length;
          try {
            await this.send([...dest.route, ...packFrames(dest.codec, chunk)]);
          } catch (err) {
            if (!this.closed) this.onSendError(err, dest, chunk.length);
          }
          this.taken(dest.key, bytes);
        }
      }
    }
    this.sending = false;
    this.draining = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
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
