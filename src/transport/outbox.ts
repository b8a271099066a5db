import { QueueFullError } from '../errors.js';
import type { Codec } from '../wire/codec.js';
import { packFrames, type EncodedMessage } from '../wire/frames.js';

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
}

/** Default limits; generous, because each waiting message is already encoded and small. */
export const defaultOutboxLimits: OutboxLimits = { maxQueued: 1_000_000, maxBatch: 4096 };

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
  /** A drain is scheduled or running. */
  private draining = false;
  /** The drain loop is running (it may be awaiting a send). */
  private sending = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly drainSoon = (): void => void this.drain();

  constructor(
    private readonly send: (frames: Buffer[]) => Promise<void>,
    /** Told about a batch that could not be sent; the outbox carries on with the next. */
    private readonly onSendError: (error: unknown, dest: Destination, messages: number) => void,
    private readonly limits: OutboxLimits = defaultOutboxLimits,
  ) {}

  /** Queues one encoded message; throws QueueFullError when the queue is at its limit. */
  push(dest: Destination, message: EncodedMessage): void {
    if (this.closed) return;
    if (this.queued >= this.limits.maxQueued) {
      throw new QueueFullError(`send queue is full (${this.queued} messages waiting); await replies before sending more`);
    }
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
        for (let i = 0; i < messages.length && !this.closed; i += this.limits.maxBatch) {
          const chunk = messages.slice(i, i + this.limits.maxBatch);
          this.queued -= chunk.length;
          try {
            await this.send([...dest.route, ...packFrames(dest.codec, chunk)]);
          } catch (err) {
            if (!this.closed) this.onSendError(err, dest, chunk.length);
          }
        }
      }
    }
    this.sending = false;
    this.draining = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
