/**
 * Explicit batches (Pyro's `batch`): calls recorded on proxies, then run in order, stopping at the
 * first error, with the results up to it. Consecutive calls to one server leave as one `batch`
 * message and run there one after the other; the batch moves on to the next server only once the
 * previous one answered, so the order holds across servers too. Unlike same-tick batching (which
 * sends independent calls together, each answered on its own), a call here runs only if every
 * call before it succeeded.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkOptions, delayMs, type OptionRules } from '../option-checks.js';
import { RPCClient } from './client.js';
import type { BatchCall, BatchReply } from './messages.js';
import { defaultCallOptions } from './options.js';
import { makeProxy, proxyState, type ProxyState } from './proxy.js';
import { errorFromReply } from './reply-errors.js';

/** What {@link Batch.run} resolves with. */
export interface BatchResult {
  /** The results of the calls that succeeded, in the order they were recorded. */
  results: unknown[];
  /**
   * The error of the call that failed, the one at index `results.length`; the calls after it did
   * not run. Undefined when every call succeeded. A remote error arrives as a call's would
   * (its class kept when known, else `RemoteError`); a lost connection or a timeout is the
   * `DisconnectedError` or `TimeoutError` of the group of calls that was waiting for it, whose
   * calls may or may not have run.
   */
  error: Error | undefined;
}

/** Options of {@link batch}. */
export interface BatchOptions {
  /**
   * How long each server has to run its consecutive part of the batch, ms (1 to 2 147 483 647).
   * Default: the timeout of the first proxy of that part (its client's, 10 000 unless set).
   */
  timeout?: number;
}

const batchOptionRules: OptionRules = { timeout: delayMs(1) };

/** A recording proxy: calling a method records it and returns its index in the batch. */
export type BatchRecorder<P> = {
  readonly [K in keyof P]: P[K] extends (...args: infer A) => unknown ? ((...args: A) => number) & BatchRecorder<P[K]> : BatchRecorder<P[K]>;
};

/**
 * An explicit batch: `b(proxy)` gives a recorder whose method calls are recorded (each returns its
 * index), `await b.run()` runs them. See {@link batch}.
 */
export interface Batch {
  /** A recorder for `proxy`: its method calls are added to the batch. */
  <P extends object>(proxy: P): BatchRecorder<P>;
  /** Number of calls recorded. */
  readonly size: number;
  /** Runs the recorded calls in order, stopping at the first error. A batch runs once. */
  run(): Promise<BatchResult>;
}

interface Recorded {
  state: ProxyState;
  call: BatchCall;
}

/**
 * Starts an explicit batch:
 * ```ts
 * const b = batch();
 * b(cart).add('apple');            // recorded, returns 0
 * b(cart).add('pear');             // 1
 * b(stock).reserve('pear', 2);     // 2: another object, or another server
 * const { results, error } = await b.run();
 * ```
 * The calls run in the order recorded, each after the previous one finished (a returned promise
 * is awaited), and the first failure stops the batch. Arguments may be anything a call accepts
 * (proxies, callbacks); results follow `returnType: 'auto'`, whatever the proxies' options.
 * Recording checks nothing but the proxy; `run()` rejects only for a batch that already ran.
 * @throws InvalidArgumentError for a bad option.
 */
export function batch(options: BatchOptions = {}): Batch {
  checkOptions('batch', options, batchOptionRules);
  const recorded: Recorded[] = [];
  let ran = false;
  const record = (state: ProxyState, call: BatchCall): number => {
    if (ran) throw new InvalidArgumentError('batch: this batch already ran; start another with batch()');
    return recorded.push({ state, call }) - 1;
  };
  const b = (<P extends object>(proxy: P): BatchRecorder<P> => {
    const state = proxyState(proxy);
    if (!state) throw new InvalidArgumentError(`batch: expected a zeroproc proxy, got ${proxy === null ? 'null' : typeof proxy}`);
    return recorder(state, state.path, record) as BatchRecorder<P>;
  }) as Batch;
  Object.defineProperty(b, 'size', { get: () => recorded.length });
  b.run = async () => {
    if (ran) throw new InvalidArgumentError('batch: this batch already ran; start another with batch()');
    ran = true;
    return runGroups(recorded, options.timeout);
  };
  return b;
}

function recorder(state: ProxyState, path: readonly string[], record: (state: ProxyState, call: BatchCall) => number): unknown {
  const target = function recorded() {};
  return new Proxy(target, {
    get(_t, prop) {
      // not thenable: awaiting a recorder by mistake must not look like a call
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      return recorder(state, [...path, prop], record);
    },
    set(_t, prop) {
      throw new InvalidArgumentError(`batch: only method calls are recorded; setting ${String(prop)} is not (call a method that sets it)`);
    },
    apply(_t, _this, args) {
      return record(state, { type: 'call', server: state.ref.server, obj: state.ref.obj, path: [...path], args, ret: 'auto' });
    },
  });
}

async function runGroups(recorded: readonly Recorded[], timeout: number | undefined): Promise<BatchResult> {
  const results: unknown[] = [];
  for (let start = 0; start < recorded.length; ) {
    const first = recorded[start]!.state;
    let end = start + 1;
    while (end < recorded.length && sameServer(recorded[end]!.state, first)) end++;
    const group = recorded.slice(start, end);
    let error: Error | undefined;
    try {
      const client = first.ref.client;
      error = client instanceof RPCClient ? await sendGroup(client, group, timeout ?? first.options.timeout) : await callOneByOne(group, results);
    } catch (err) {
      error = err as Error;
    }
    if (error) return { results, error };
    start = end;
  }
  return { results, error: undefined };

  async function sendGroup(client: RPCClient, group: readonly Recorded[], groupTimeout: number): Promise<Error | undefined> {
    const { state } = group[0]!;
    const request = { type: 'batch', calls: group.map((r) => r.call) };
    const reply = (await client.request(state.ref, request as never, { ...defaultCallOptions, mode: 'sync', timeout: groupTimeout })) as BatchReply;
    results.push(...reply.results);
    if (reply.error === undefined) return undefined;
    const s = client.server;
    return errorFromReply(reply.error, reply.sys, { server: s?.name ?? client.address, pid: s?.pid ?? 0, host: s?.host ?? '' });
  }
}

function sameServer(a: ProxyState, b: ProxyState): boolean {
  return a.ref.client === b.ref.client && a.ref.server === b.ref.server;
}

/**
 * A group whose proxies do not go through an RPC client (an actor of this process, whose calls go
 * straight to its mailbox): the same order and stop, one call at a time.
 */
async function callOneByOne(group: readonly Recorded[], results: unknown[]): Promise<Error | undefined> {
  for (const { state, call } of group) {
    try {
      const fn = makeProxy({ ...state, path: call.path, options: { ...state.options, mode: 'sync' } }) as (...args: unknown[]) => unknown;
      results.push(await fn(...call.args));
    } catch (err) {
      return err as Error;
    }
  }
  return undefined;
}
