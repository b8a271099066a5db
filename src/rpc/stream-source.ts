/**
 * The producer side of a stream (docs/PROTOCOL.md, "Streams"): an iterable that a call returns
 * or an argument carries goes by reference as a {@link StreamSource}, an object in the sender's
 * table whose `pull(credit)` the consumer calls. The source runs its iterator only as far as
 * the credit allows, so a stalled consumer stops the producer instead of filling memory.
 */
import { checkOptions, wholeNumber, type OptionRules } from '../option-checks.js';
import { whenDropped } from './object-table.js';

/**
 * Items a consumer may have requested and not yet received, unless the server says otherwise.
 * A stream of small items moves about a window per round trip: 64 gave 80-114k items/s here,
 * 256 gives 180-310k (issue 16), above pipelined calls; memory stays bounded by the byte limits.
 */
export const DEFAULT_STREAM_WINDOW = 256;
/** The largest window: a source buffers at most this many items for its consumer. */
export const MAX_STREAM_WINDOW = 65_536;
/** A batch stops growing past this estimate of its bytes: a few 1 MB chunks per message, two messages in flight. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** A source stops pulling its producer while this many bytes (estimated) wait for the consumer. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Pulls that may wait on one source at once (a consumer keeps two in flight). */
const MAX_PULLS = 4;

const streamOptionRules: OptionRules = { window: wholeNumber(1, MAX_STREAM_WINDOW, 'items') };

/** @internal The `streamWindow` rule of `RPCServer.start`. */
export const streamWindowRule = streamOptionRules.window!;

/** Options of {@link stream}. */
export interface StreamOptions {
  /**
   * How many items the producer may run ahead of the consumer (1 to 65 536). Default: the
   * sending server's `streamWindow` (64 unless set).
   */
  window?: number;
}

const marked = new WeakMap<object, number>();
/** Whether `stream()` was ever called: until then data (arrays, plain objects) skips the lookup. */
let anyMarked = false;

/**
 * Sends `iterable` as a stream whatever it is (an array, a Set, a class instance with
 * `[Symbol.iterator]`), optionally with its own window. Async iterables, generators and
 * iterators such as `map.keys()` are streams without it.
 */
export function stream<T extends Iterable<unknown> | AsyncIterable<unknown>>(iterable: T, options: StreamOptions = {}): T {
  checkOptions('stream', options, streamOptionRules);
  if (iterable === null || typeof iterable !== 'object' || !(Symbol.asyncIterator in iterable || Symbol.iterator in iterable)) {
    throw new TypeError('stream: expected an iterable or async iterable object');
  }
  marked.set(iterable, options.window ?? 0);
  anyMarked = true;
  return iterable;
}

/**
 * @internal Whether `value` goes as a stream: marked by {@link stream}; an async iterable (async
 * generators, Node streams, a plain object with `[Symbol.asyncIterator]`); or, when it would
 * otherwise go by reference (`byValue` false), a sync iterator (generators, `map.keys()`), which
 * is consumed as it is read. A merely iterable object with other methods stays a proxy, and
 * arrays, Maps and Sets stay data.
 */
export function goesAsStream(value: object, byValue: boolean): boolean {
  if (anyMarked && marked.has(value)) return true;
  if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return true;
  return !byValue && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' && typeof (value as Iterator<unknown>).next === 'function';
}

/** One answer to `pull`: the items, and whether the stream ended after them. */
export type StreamBatch = [items: unknown[], end: boolean];

const sources = new WeakMap<object, StreamSource>();

/** @internal The source that streams `value` (one per value, however often it is sent). */
export function streamSourceFor(value: object, defaultWindow: number | undefined): StreamSource {
  let source = sources.get(value);
  if (!source) {
    source = new StreamSource(value, marked.get(value) || defaultWindow || DEFAULT_STREAM_WINDOW);
    sources.set(value, source);
  }
  return source;
}

/** @internal The iterable a source streams (a stream that came home is used directly). */
export function streamedBy(source: unknown): unknown {
  return source instanceof StreamSource ? source.iterable : source;
}

/** @internal Bytes an item is counted for in the byte bounds (binary and strings; anything else a little). */
export function byteEstimate(item: unknown): number {
  if (typeof item === 'string') return item.length;
  if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) return item.byteLength;
  return 16;
}

/**
 * @internal One stream being produced. Its members are what a consumer may call (`pull`,
 * `cancel`); the iterator is a private field, out of reach of request paths.
 */
export class StreamSource {
  /** Items the consumer may have requested and not received: the most this source runs ahead. */
  readonly window: number;
  /** Display name of what is streamed. */
  readonly name: string;
  readonly #iterable: object;
  #iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  /** Items the producer may still be asked for. */
  #credit = 0;
  readonly #buffer: unknown[] = [];
  #bufferedBytes = 0;
  #end = false;
  #failure: { error: unknown } | undefined;
  #running = false;
  #stopped: Promise<void> | undefined;
  readonly #waiters: Array<{ resolve(batch: StreamBatch): void; reject(error: unknown): void }> = [];
  #flushQueued = false;

  constructor(iterable: object, window: number) {
    this.#iterable = iterable;
    this.window = window;
    this.name = (iterable.constructor as { name?: string } | undefined)?.name || 'Stream';
  }

  /** @internal */
  get iterable(): object {
    return this.#iterable;
  }

  /**
   * Grants `credit` more items and answers with the items ready (at least one, unless the stream
   * ended). The credit outstanding never exceeds the window, whatever the consumer asks.
   */
  pull(credit: unknown): Promise<StreamBatch> {
    if (!Number.isSafeInteger(credit) || (credit as number) < 0) throw new TypeError(`pull: credit must be a whole number >= 0, got ${String(credit)}`);
    if (this.#waiters.length >= MAX_PULLS) throw new TypeError(`pull: at most ${MAX_PULLS} pulls may wait on a stream`);
    this.#credit = Math.min(this.#credit + (credit as number), this.window - this.#buffer.length);
    const answer = new Promise<StreamBatch>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#buffer.length > 0 || this.#end) this.#flush();
    void this.#run();
    return answer;
  }

  /** Stops the producer (its `return()` runs, so its `finally` blocks do) and waits for it. */
  cancel(): Promise<void> {
    return this.#stop();
  }

  /** The last reference went (the consumer released it, closed, or died): stop the producer. */
  [whenDropped](): void {
    this.#stop().catch(() => undefined);
  }

  #stop(): Promise<void> {
    if (this.#stopped) return this.#stopped;
    const iterator = this.#iterator;
    const wasRunning = !this.#end;
    this.#end = true;
    this.#credit = 0;
    this.#buffer.length = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve([[], true]);
    this.#stopped = wasRunning && iterator?.return ? Promise.resolve(iterator.return()).then(() => undefined) : Promise.resolve();
    return this.#stopped;
  }

  #open(): AsyncIterator<unknown> | Iterator<unknown> {
    const it = this.#iterable as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
    const open = (it[Symbol.asyncIterator] ?? it[Symbol.iterator]) as (this: object) => AsyncIterator<unknown> | Iterator<unknown>;
    return open.call(it);
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      // large items stop the producer early too: a window of 1 MB chunks is not held here whole
      while (this.#credit > 0 && !this.#end && this.#bufferedBytes < MAX_BUFFERED_BYTES) {
        this.#credit--;
        let step: IteratorResult<unknown>;
        try {
          this.#iterator ??= this.#open();
          step = await this.#iterator.next();
          // `for await` over a sync iterator awaits what it yields; an async one yields values
          if (!step.done && step.value instanceof Promise) step = { done: false, value: await step.value };
        } catch (error) {
          this.#end = true;
          this.#failure = { error };
          break;
        }
        if (this.#stopped) return;
        if (step.done) {
          this.#end = true;
        } else {
          this.#buffer.push(step.value);
          this.#bufferedBytes += byteEstimate(step.value);
        }
        if (this.#waiters.length > 0) this.#queueFlush();
      }
    } finally {
      this.#running = false;
    }
    if (this.#buffer.length > 0 || this.#end) this.#flush();
  }

  /** Answers the waiting pull once what is ready now has been gathered (items produced in this turn). */
  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  /** Answers waiting pulls with what is ready: the items first, then the end or the error. */
  #flush(): void {
    let answered = false;
    while (this.#waiters.length > 0 && (this.#buffer.length > 0 || this.#end)) {
      const waiter = this.#waiters.shift()!;
      answered = true;
      let n = 0;
      for (let bytes = 0; n < this.#buffer.length && bytes < BATCH_BYTES; n++) bytes += byteEstimate(this.#buffer[n]);
      const items = this.#buffer.splice(0, n);
      for (const item of items) this.#bufferedBytes -= byteEstimate(item);
      if (items.length === 0 && this.#failure) {
        waiter.reject(this.#failure.error);
        this.#failure = undefined;
        continue;
      }
      waiter.resolve([items, this.#end && this.#buffer.length === 0 && !this.#failure]);
    }
    // room freed by what left: the producer may go on with the credit it has
    if (answered && !this.#running && this.#credit > 0 && !this.#end) void this.#run();
  }
}
