import { AsyncLocalStorage } from 'node:async_hooks';
import type { PeerInfo } from './messages.js';

/** What a method running for a remote caller can know about the call. */
export interface CallContext {
  /** Aborted when the caller cancels the call or its timeout expires. */
  signal: AbortSignal;
  /** The calling process, as it introduced itself. */
  caller: PeerInfo | undefined;
  /**
   * Opaque id of the causal chain the call belongs to, carried by every call made while serving
   * it (to any process). The actor layer uses it to let a chain back into an actor that is
   * waiting on it (A asks B, B asks A) instead of deadlocking.
   */
  readonly chain: string | undefined;
  /**
   * How callbacks registered while serving this call (`Future.addCallback`) are run; undefined:
   * as soon as the future settles. An actor runs them as messages of its own mailbox.
   */
  readonly schedule?: ((callback: () => void) => void) | undefined;
  /**
   * When the caller stops waiting (`performance.now()` ms), if it said (`budget`); asks made
   * while serving the call inherit what is left, never more.
   */
  readonly deadline?: number | undefined;
}

const storage = new AsyncLocalStorage<CallContext>();

/**
 * The context of the remote call the current code runs for, or undefined outside one. A
 * long-running method reads `currentCall()?.signal` to stop when the caller gives up.
 */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}

/**
 * @internal The context of one call: its AbortController is made only when the method asks for
 * the signal (most never do, and one per call is measurable).
 */
export class CallState implements CallContext {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;
  private abortListeners: Array<(reason: unknown) => void> | undefined;

  constructor(
    readonly caller: PeerInfo | undefined,
    /** The chain id, read through `chain` (a subclass may make it on first read). */
    protected chainId: string | undefined = undefined,
    readonly schedule: ((callback: () => void) => void) | undefined = undefined,
    readonly deadline: number | undefined = undefined,
  ) {}

  get chain(): string | undefined {
    return this.chainId;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
    const listeners = this.abortListeners;
    this.abortListeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /**
   * @internal Runs `listener` once the call is aborted (at once if it was). For zeroproc's own
   * per-call paths: `signal` makes an AbortController and an EventTarget listener, which cost an
   * actor ask from another process 2-3 us and most of its garbage.
   */
  whenAborted(listener: (reason: unknown) => void): void {
    if (this.aborted) listener(this.abortReason);
    else (this.abortListeners ??= []).push(listener);
  }
}

/** @internal Runs `fn(...args)` as the handler of a remote call. */
export function runInCall<T, A extends unknown[]>(context: CallContext, fn: (...args: A) => T, ...args: A): T {
  return storage.run(context, fn, ...args);
}
