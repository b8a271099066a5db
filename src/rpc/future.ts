import { report } from '../diagnostics.js';
import { currentCall } from './call-context.js';
import { CancelledError, TimeoutError } from '../errors.js';

type State<T> = { kind: 'pending' } | { kind: 'resolved'; value: T } | { kind: 'rejected'; error: unknown };

// shared: thousands of futures are pending at once in a pipelined burst
const PENDING: State<never> = Object.freeze({ kind: 'pending' });

// A reaction is scheduled as a promise reaction, which runs like queueMicrotask's callback but
// without the AsyncResource and bound function Node makes for every queueMicrotask call: one per
// call of a pipelined burst awaited with Promise.all (measured in bench/README.md, "Hot path").
const settled = Promise.resolve();

/**
 * The result of an `'async'`-mode call: a PromiseLike that can also be polled, waited on with a
 * timeout, cancelled, and given callbacks. A failure it holds is not an unhandled rejection
 * until somebody asks for it (`then`, `result()`, `await`).
 */
export class Future<T> implements PromiseLike<T> {
  private state: State<T> = PENDING;
  /** Made on the first wait: most futures of a burst are awaited once, or only after they settle. */
  private waiters: Array<() => void> | undefined;
  private readonly canceller: (() => void) | undefined;

  /** @internal Created by the RPC client; `cancel` tells the server to abort the call. */
  constructor(cancel?: () => void) {
    this.canceller = cancel;
  }

  /** @internal */
  settle(ok: boolean, valueOrError: unknown): void {
    if (this.state.kind !== 'pending') return;
    this.state = ok ? { kind: 'resolved', value: valueOrError as T } : { kind: 'rejected', error: valueOrError };
    const waiters = this.waiters;
    this.waiters = undefined;
    for (const wake of waiters ?? []) {
      try {
        wake();
      } catch (err) {
        // a callback's failure belongs to its author, not to whoever settled the future
        report('error', 'a Future callback threw', err);
      }
    }
  }

  /** Whether the call has completed (with a value or an error). */
  done(): boolean {
    return this.state.kind !== 'pending';
  }

  /** The error the call failed with, once done; undefined while pending or after success. */
  exception(): unknown {
    return this.state.kind === 'rejected' ? this.state.error : undefined;
  }

  /** Waits for the value; rejects with the call's error, or TimeoutError after `timeoutMs`. */
  result(timeoutMs?: number): Promise<T> {
    if (timeoutMs === undefined) return new Promise<T>((resolve, reject) => this.then(resolve, reject));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`future not done after ${timeoutMs} ms`)), timeoutMs);
      this.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e) => (clearTimeout(timer), reject(e)),
      );
    });
  }

  /**
   * Waits until the call is done or `timeoutMs` has passed: true when done (with a value or an
   * error, which stays unasked), false on timeout. Never rejects.
   */
  wait(timeoutMs?: number): Promise<boolean> {
    if (this.done()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => resolve(false), timeoutMs);
      (this.waiters ??= []).push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Cancels the call: the server aborts it (if it observes its signal) and this future rejects with CancelledError. */
  cancel(): void {
    if (this.done()) return;
    this.canceller?.();
    this.settle(false, new CancelledError('call cancelled by the caller'));
  }

  /**
   * Calls `fn(this)` once done (soon after, if already done). Registered inside an actor, `fn`
   * runs as a message of that actor, never alongside its other messages.
   */
  addCallback(fn: (future: Future<T>) => void): this {
    // registered while serving a call that says how its callbacks run (an actor: as its messages)
    const schedule = currentCall()?.schedule;
    const run = schedule ? () => schedule(() => fn(this)) : () => fn(this);
    if (this.done()) queueMicrotask(run);
    else (this.waiters ??= []).push(run);
    return this;
  }

  /**
   * Like a Promise's `then`, but what it returns is a Future too: a failure that `onrejected`
   * does not handle is held by the returned future, not raised as an unhandled rejection, until
   * somebody asks for it.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Future<R1 | R2> {
    const next = new Future<R1 | R2>();
    const react = () => {
      const s = this.state as Exclude<State<T>, { kind: 'pending' }>;
      const handler = s.kind === 'resolved' ? onfulfilled : onrejected;
      if (!handler) return next.settle(s.kind === 'resolved', s.kind === 'resolved' ? s.value : s.error);
      try {
        const out = handler((s.kind === 'resolved' ? s.value : s.error) as T);
        if (isThenable(out)) out.then((v) => next.settle(true, v), (e: unknown) => next.settle(false, e));
        else next.settle(true, out);
      } catch (err) {
        next.settle(false, err);
      }
    };
    // reactions run as a promise's do: never within the caller's own stack
    if (this.done()) void settled.then(react);
    else (this.waiters ??= []).push(() => void settled.then(react));
    return next;
  }

  /** Like a Promise's `catch`; returns a Future (see {@link Future.then}). */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Future<T | R> {
    return this.then(undefined, onrejected);
  }

  /** Like a Promise's `finally`; returns a Future (see {@link Future.then}). */
  finally(onfinally?: (() => void) | null): Future<T> {
    return this.then(
      (v) => (onfinally?.(), v),
      (e: unknown) => {
        onfinally?.();
        throw e;
      },
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
