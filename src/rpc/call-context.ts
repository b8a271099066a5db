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
 * Whether calls run inside `storage`. Once one does, Node 20 runs AsyncLocalStorage's hooks on
 * every promise of the process for good: about 340 B and 1 us a call in a child serving calls
 * (bench/README.md). A spawned child starts without them, and turns them on before anything in
 * it could read a context: the public API loaded (`currentCall` is in it), a client made (a
 * proxy received as an argument is decoded before its method runs, and its calls carry the
 * chain), an actor started, a call that belongs to a chain (an actor may wait on it).
 */
let tracking = true;
/** Something asked for contexts: a later deferral (a module preloaded with `--import`) keeps them. */
let wanted = false;

/**
 * @internal For a spawned child's bootstrap: calls run without a context until
 * {@link trackCalls}. Modules that never load zeroproc cannot ask for one.
 */
export function deferCallTracking(): void {
  if (!wanted) tracking = false;
}

/**
 * @internal Calls from now on run in their context, readable across awaits. A call already
 * running without one keeps none (a module that first loads zeroproc in the middle of a call
 * sees no context in that call, unless the call belongs to a chain).
 */
export function trackCalls(): void {
  wanted = tracking = true;
}

/**
 * The context of the remote call the current code runs for, or undefined outside one. A
 * long-running method reads `currentCall()?.signal` to stop when the caller gives up.
 *
 * In a spawned child, calls get their context once the process could read it: from the import
 * of zeroproc on (static, preloaded or dynamic; a call already running when it happens gets
 * none unless it belongs to an actor's chain), from the first reference to a remote object it
 * receives, or from the first call made by an actor. A child serving modules that never load
 * zeroproc keeps none, because Node 20's AsyncLocalStorage would run hooks on every promise it
 * makes.
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
  if (!tracking) {
    if (context.chain === undefined) return fn(...args);
    // a chain's calls made from here, even after a module loads zeroproc mid-call, must carry it
    // back to an actor that waits on it
    trackCalls();
  }
  return storage.run(context, fn, ...args);
}
