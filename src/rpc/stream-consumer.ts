/**
 * The consumer side of a stream (docs/PROTOCOL.md, "Streams"): what a stream reference becomes
 * on arrival. It pulls batches from the producer's source, granting credit so that the items it
 * holds plus those requested never exceed the window, and keeps one pull in flight while the
 * loop consumes, so a fast producer is never waiting for a round trip.
 */
import { MAX_DELAY_MS } from '../delays.js';
import { DisconnectedError, NotFoundError, ProcessExitedError } from '../errors.js';
import { release, withOptions } from './proxy.js';
import { byteEstimate, MAX_BUFFERED_BYTES, MAX_STREAM_WINDOW, type StreamBatch } from './stream-source.js';

/** Pulls a consumer keeps in flight: one answered while the next is on its way. */
const PULLS_IN_FLIGHT = 2;

/** What a consumer calls on the producer's source. */
interface SourceProxy {
  pull(credit: number): Promise<StreamBatch>;
  cancel(): Promise<void>;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/**
 * A stream from another process: an async iterator over the items its producer yields, pulled
 * with credit (at most `window` items on their way or waiting here). `break` (or `return()`)
 * stops the producer and waits for its `finally` blocks; the producer's throw arrives as
 * `RemoteError`, and the producer's process ending fails the waiting `next()` at once
 * (`ProcessExitedError`, `DisconnectedError`). It can be iterated once.
 */
export class RemoteStream<T> implements AsyncIterableIterator<T> {
  /** How many items may be requested and not yet consumed. */
  readonly window: number;
  readonly #source: SourceProxy;
  readonly #puller: SourceProxy;
  #buffer: T[] = [];
  /** Items granted to the producer and not received yet. */
  #requested = 0;
  /** Pulls sent and not answered. */
  #pulls = 0;
  #bufferedBytes = 0;
  #end = false;
  #failure: { error: unknown } | undefined;
  #waiters: Waiter<T>[] = [];
  #released = false;

  /** @internal Made by the codec for a received stream reference. */
  constructor(source: unknown, window: number) {
    this.#source = source as SourceProxy;
    // a pull waits for the producer as long as the loop would wait for a local generator: the
    // producer's death, not a timer, ends the wait
    this.#puller = withOptions(source as never, { timeout: MAX_DELAY_MS }) as unknown as SourceProxy;
    this.window = Math.min(Math.max(1, window), MAX_STREAM_WINDOW);
  }

  /** The next item (pulling more from the producer when there is room). */
  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) {
      const value = this.#take();
      this.#refill();
      return Promise.resolve({ value, done: false });
    }
    if (this.#failure) return Promise.reject(this.#takeFailure());
    if (this.#end) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#refill();
    });
  }

  /** Stops the producer (its `return()` and `finally` blocks run) and ends this iteration. */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    const wasRunning = !this.#end;
    this.#end = true;
    this.#buffer = [];
    this.#bufferedBytes = 0;
    this.#settleWaiters();
    if (wasRunning && !this.#released) {
      try {
        await this.#source.cancel();
      } catch (error) {
        // a producer that is gone has nothing left to stop
        if (!(error instanceof DisconnectedError || error instanceof ProcessExitedError || error instanceof NotFoundError)) throw error;
      } finally {
        this.#release();
      }
    }
    return { value: value as T, done: true };
  }

  /** Itself: a stream is iterated once. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  #take(): T {
    const value = this.#buffer.shift()!;
    this.#bufferedBytes -= byteEstimate(value);
    return value;
  }

  #takeFailure(): unknown {
    const { error } = this.#failure!;
    this.#failure = undefined;
    return error;
  }

  #refill(): void {
    if (this.#pulls >= PULLS_IN_FLIGHT || this.#end) return;
    const room = this.window - this.#buffer.length - this.#requested;
    // grant in large steps (half a window) unless the loop is starved: fewer, fuller batches;
    // and none while large items wait here unread
    const starved = this.#buffer.length === 0;
    const credit = (room >= Math.ceil(this.window / 2) || starved) && this.#bufferedBytes < MAX_BUFFERED_BYTES ? Math.max(room, 0) : 0;
    // a pull without credit fetches what was granted: worth sending while items are owed
    if (credit === 0 && this.#requested === 0) return;
    this.#pulls++;
    this.#requested += credit;
    this.#puller.pull(credit).then(
      (batch) => this.#received(batch),
      (error: unknown) => this.#failed(error),
    );
  }

  #received([items, end]: StreamBatch): void {
    this.#pulls--;
    if (this.#end) return;
    this.#requested = Math.max(0, this.#requested - items.length);
    for (const item of items) {
      this.#buffer.push(item as T);
      this.#bufferedBytes += byteEstimate(item);
    }
    if (end) {
      this.#end = true;
      this.#release();
    }
    this.#settleWaiters();
    this.#refill();
  }

  #failed(error: unknown): void {
    this.#pulls--;
    if (this.#end) return;
    this.#end = true;
    this.#failure = { error };
    this.#release();
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    while (this.#waiters.length > 0) {
      if (this.#buffer.length > 0) this.#waiters.shift()!.resolve({ value: this.#take(), done: false });
      else if (this.#failure) this.#waiters.shift()!.reject(this.#takeFailure());
      else if (this.#end) this.#waiters.shift()!.resolve({ value: undefined, done: true });
      else return;
    }
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    release(this.#source as never);
  }
}
