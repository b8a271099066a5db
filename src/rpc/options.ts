import { boolean, delayMs, func, group, nonEmptyString, oneOf, satisfies, wholeNumber, type OptionRules } from '../option-checks.js';
import { isAdvertisableHost } from '../transport/endpoint.js';
import { BATCH_FRAMING, MAX_BYTES } from '../transport/limits.js';
import type { ReturnTypeOption } from './messages.js';
import { streamWindowRule } from './stream-source.js';

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
  returnType?: ReturnTypeOption;
}

/** Options with every field set. */
export type ResolvedCallOptions = Required<CallOptions>;

/** Default call timeout, ms. */
export const DEFAULT_TIMEOUT = 10_000;

/**
 * Default timeout of `import()`, ms: loading a module is not a call. A child that imports its
 * first `.ts` module loads tsx and compiles it first: 2-5 s for three children at once on an idle
 * 2-core machine, past 10 s on a busy one.
 */
export const DEFAULT_IMPORT_TIMEOUT = 60_000;

/** Options of `import()` (`client.import`, `proc.import`). */
export interface ImportOptions {
  /** Milliseconds before the import fails with TimeoutError (1 to 2 147 483 647; 60 000). */
  timeout?: number;
}

/** @internal */
export const importOptionRules: OptionRules = {
  timeout: delayMs(1),
};

/** The options a new proxy starts with; timeout 0 stands for the client's default. */
export const defaultCallOptions: ResolvedCallOptions = Object.freeze({ mode: 'sync', timeout: 0, returnType: 'auto' });

/** Rules of the socket options both ends accept (`link: {...}`); ranges are libzmq's. */
const linkRules: OptionRules = {
  // 0 would mean "no limit" to libzmq, the opposite of what a high-water mark is for
  highWaterMark: wholeNumber(1, 2 ** 31 - 1, 'messages'),
};

/** @internal Rule of an `authkey` option: an authkey or a CURVE keyset. */
export const authkeyRule = satisfies('a string, a Uint8Array or a CURVE keyset { server, client }', (v) =>
  typeof v === 'string' || v instanceof Uint8Array || (typeof v === 'object' && v !== null && 'server' in v && 'client' in v));
/** @internal Rule of an `advertise` option. */
export const advertiseRule = satisfies('a host name or IP address peers can reach (not a wildcard)', isAdvertisableHost);
const sizeRules: OptionRules = {
  maxMessageSize: wholeNumber(1, MAX_BYTES - BATCH_FRAMING, 'bytes'),
  maxQueuedBytes: wholeNumber(1, MAX_BYTES, 'bytes'),
};

/** @internal Rules of `RPCServer.start` options. */
export const serverOptionRules: OptionRules = {
  address: nonEmptyString,
  authkey: authkeyRule,
  name: nonEmptyString,
  resolveImport: func,
  importModule: func,
  allowImport: satisfies('a list of strings and RegExps, or a function', (v) =>
    typeof v === 'function' || (Array.isArray(v) && v.every((r) => typeof r === 'string' || r instanceof RegExp))),
  peerTimeout: delayMs(1),
  ticketTtl: delayMs(1),
  closeWhenIdle: boolean,
  advertise: advertiseRule,
  streamWindow: streamWindowRule,
  control: satisfies("'anyone', 'nobody' or { ownerToken: a string of 16 characters or more }", (v) => {
    const token = (v as { ownerToken?: unknown } | null)?.ownerToken;
    return v === 'anyone' || v === 'nobody' || (typeof token === 'string' && token.length >= 16);
  }),
  ...sizeRules,
  link: group('RPCServer.start', 'link', { ...linkRules, sendTimeout: delayMs(0) }),
};

/** @internal Rules of `RPCClient.connect` options. */
export const clientOptionRules: OptionRules = {
  authkey: authkeyRule,
  codec: oneOf('msgpack', 'json'),
  timeout: delayMs(1),
  heartbeat: delayMs(1),
  ownerToken: nonEmptyString,
  closeWhenUnused: boolean,
  ...sizeRules,
  link: group('RPCClient.connect', 'link', linkRules),
};

/** @internal Rules of `withOptions` call options. */
export const callOptionRules: OptionRules = {
  mode: oneOf('sync', 'async', 'off'),
  timeout: delayMs(1),
  returnType: oneOf('auto', 'proxy', 'value'),
};
