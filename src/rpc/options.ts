import type { ReturnType } from './messages.js';

/** How a proxy call waits: a Promise of the value, a Future at once, or nothing. */
export type CallMode = 'sync' | 'async' | 'off';

/** Per-proxy call options (see `withOptions`). */
export interface CallOptions {
  /** `'sync'` (default) returns a Promise; `'async'` a Future; `'off'` sends and forgets. */
  mode?: CallMode;
  /**
   * Milliseconds before a call fails with TimeoutError (and is cancelled on the server). Default:
   * the client's timeout (`RPCClient.connect(address, { timeout })`, 10 000 unless set).
   */
  timeout?: number;
  /** What the result becomes: `'auto'` (default), `'proxy'` or `'value'`. */
  returnType?: ReturnType;
}

/** Options with every field set. */
export type ResolvedCallOptions = Required<CallOptions>;

/** Default call timeout, ms. */
export const DEFAULT_TIMEOUT = 10_000;

/** The options a new proxy starts with; timeout 0 stands for the client's default. */
export const defaultCallOptions: ResolvedCallOptions = Object.freeze({ mode: 'sync', timeout: 0, returnType: 'auto' });
