import { report } from '../diagnostics.js';
import { currentCall } from './call-context.js';
import { CancelledError, TimeoutError } from '../errors.js';

const PENDING = 0;
const RESOLVED = 1;
const REJECTED = 2;

// A reaction is scheduled as a promise reaction, which runs like queueMicrotask's callback but
// without the AsyncResource and bound function Node makes for every queueMicrotask call: one per
// call of a pipelined burst awaited with Promise.all (measured in bench/README.md, "Hot path").
const settled = Promise.resolve();

/** @internal What a future asks to stop the call it stands for (the RPC client's pending call). */
export interface Canceller {
  cancel(): void;
}

/**
 * A `then` registered before the future settled. Thousands wait at once in a pipelined burst
 * awaited with Promise.all, until their replies come: one record each, rather than the two
 * closures and their contexts it replaces, is less for the garbage collector to move.
 */
class Reaction {
  constructor(
    readonly onfulfilled: ((value: never) => unknown) | null | undefined,
    readonly onrejected: ((reason: unknown) => unknown) | null | undefined,
    readonly next: Future<unknown>,
  ) {}
}

type Waiter = (() => void) | Reaction;

/**
 * The result of an `'async'`-mode call: a PromiseLike that can also be polled, waited on with a
 * timeout, cancelled, and given callbacks. A failure it holds is not an unhandled rejection
 * until somebody asks for it (`then`, `result()`, `await`).
 */
export class Future<T> implements PromiseLike<T> {
  private status: typeof PENDING | typeof RESOLVED | typeof REJECTED = PENDING;
  /** The value or the error, once settled. */
  private outcome: unknown = undefined;
  /** Made on the first wait: most futures of a burst are awaited once, or only after they settle. */
  private waiters: Waiter | Waiter[] | undefined = undefined;
  private readonly canceller: Canceller | undefined;

  /** @internal Created by the RPC client; `cancel` tells the server to abort the call. */
  constructor(cancel?: Canceller | (() => void)) {
    this.canceller = typeof cancel === 'function' ? { cancel } : cancel;
  }

  /** @internal */
  settle(ok: boolean, valueOrError: unknown): void {
    if (this.status !== PENDING) return;
    this.status = ok ? RESOLVED : REJECTED;
    this.outcome = valueOrError;
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters === undefined) return;
    if (Array.isArray(waiters)) for (const w of waiters) this.wake(w);
    else this.wake(waiters);
  }

  private wake(waiter: Waiter): void {
    if (waiter instanceof Reaction) {
      // reactions run as a promise's do: never within the settler's own stack
      void settled.then(() => this.react(waiter));
      return;
    }
    try {
      waiter();
    } catch (err) {
      // a callback's failure belongs to its author, not to whoever settled the future
      report('error', 'a Future callback threw', err);
    }
  }

  private addWaiter(waiter: Waiter): void {
    const w = this.waiters;
    if (w === undefined) this.waiters = waiter;
    else if (Array.isArray(w)) w.push(waiter);
    else this.waiters = [w, waiter];
  }

  private react({ onfulfilled, onrejected, next }: Reaction): void {
    const ok = this.status === RESOLVED;
    const handler = ok ? onfulfilled : onrejected;
    if (!handler) return next.settle(ok, this.outcome);
    try {
      const out = (handler as (v: unknown) => unknown)(this.outcome);
      if (isThenable(out)) out.then((v) => next.settle(true, v), (e: unknown) => next.settle(false, e));
      else next.settle(true, out);
    } catch (err) {
      next.settle(false, err);
    }
  }

  /** Whether the call has completed (with a value or an error). */
  done(): boolean {
    return this.status !== PENDING;
  }

  /** The error the call failed with, once done; undefined while pending or after success. */
  exception(): unknown {
    return this.status === REJECTED ? this.outcome : undefined;
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
      this.addWaiter(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Cancels the call: the server aborts it (if it observes its signal) and this future rejects with CancelledError. */
  cancel(): void {
    if (this.done()) return;
    this.canceller?.cancel();
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
    else this.addWaiter(run);
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
    const reaction = new Reaction(onfulfilled, onrejected, next as Future<unknown>);
    if (this.done()) void settled.then(() => this.react(reaction));
    else this.addWaiter(reaction);
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
