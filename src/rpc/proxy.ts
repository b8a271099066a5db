/**
 * The proxy: a JS Proxy whose attribute reads build a path without a round trip, and whose
 * call, `new`, `await` (of a non-empty path) or assignment sends one request.
 */
import { inspect } from 'node:util';
import { InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../option-checks.js';
import { callOptionRules, defaultCallOptions, type CallMode, type CallOptions, type ResolvedCallOptions } from './options.js';
import type { RemoteRef } from './remote-ref.js';
import type { AnyRemote, Remote, RemoteMode, RemoteTarget } from './types.js';

/** What a proxy points at: a held reference, a path below it, and its call options. */
export interface ProxyState {
  readonly ref: RemoteRef;
  readonly path: readonly string[];
  readonly options: ResolvedCallOptions;
}

function describe(s: ProxyState): string {
  const at = s.path.length ? `.${s.path.join('.')}` : '';
  return `[Remote ${s.ref.name || 'object'} ${s.ref.obj}${at} @ ${s.ref.client.address}${s.ref.released ? ' (released)' : ''}]`;
}

function send(s: ProxyState, request: Parameters<RemoteRef['client']['request']>[1], options = s.options): unknown {
  return s.ref.client.request(s.ref, request, options);
}

function readValue(s: ProxyState, returnType = s.options.returnType): PromiseLike<unknown> {
  const mode = s.options.mode === 'off' ? 'sync' : s.options.mode;
  return send(s, { type: 'get', server: s.ref.server, obj: s.ref.obj, path: [...s.path], ret: returnType }, { ...s.options, mode }) as PromiseLike<unknown>;
}

/**
 * Where a proxy's state lives: on its target, under this key. One handler serves every proxy
 * (reading the state there), so a proxy costs its target, its state and the Proxy itself, not a
 * handler with four closures and a weak-map entry of its own (100,000 live proxies are an
 * ordinary program).
 */
const CORE = Symbol('zeroproc.proxy');

/** What the shared handler keeps of one proxy. */
class ProxyCore {
  /** Proxies of attributes below this one, made on their first read and reused. */
  children: Map<string, unknown> | undefined = undefined;

  constructor(
    readonly state: ProxyState,
    /** The options its calls use: a method its server declared oneway is always called 'off'. */
    readonly callOptions: ResolvedCallOptions,
  ) {}
}

interface Target {
  (): void;
  [CORE]: ProxyCore;
}

// util.inspect looks at a Proxy's target, never through its traps: the description lives on the
// targets' shared prototype
const targetPrototype = Object.create(Function.prototype, {
  [inspect.custom]: {
    value(this: Target) {
      return describe(this[CORE].state);
    },
  },
}) as object;

const handler: ProxyHandler<Target> = {
  get(target, prop) {
    const core = target[CORE];
    const { state } = core;
    if (typeof prop === 'symbol') {
      if (prop === CORE) return core;
      if (prop === Symbol.dispose) return () => state.ref.release();
      // a reference that owns what it points at (an actor's process) ends it with `await using`
      if (prop === Symbol.asyncDispose) return state.ref.dispose?.bind(state.ref);
      if (prop === inspect.custom || prop === Symbol.toPrimitive) return () => describe(state);
      return undefined;
    }
    if (prop === 'then') {
      // the root is not thenable, so a proxy can be the result of an async function
      if (state.path.length === 0) return undefined;
      return (resolve: (v: unknown) => unknown, reject: (e: unknown) => unknown) => readValue(state).then(resolve, reject);
    }
    // `proxy.method(...)` reads an attribute on every call: reuse the child proxies
    core.children ??= new Map();
    let child = core.children.get(prop);
    if (!child) {
      child = makeProxy({ ...state, path: [...state.path, prop] });
      core.children.set(prop, child);
    }
    return child;
  },
  set(target, prop, value) {
    if (typeof prop === 'symbol') return false;
    const { state } = target[CORE];
    send(state, { type: 'set', server: state.ref.server, obj: state.ref.obj, path: [...state.path, prop], value }, { ...state.options, mode: 'off' });
    return true;
  },
  apply(target, _this, args) {
    const { state, callOptions } = target[CORE];
    // the path is never changed once a proxy exists, so requests share it rather than copy it
    return send(state, { type: 'call', server: state.ref.server, obj: state.ref.obj, path: state.path as string[], args, ret: state.options.returnType }, callOptions);
  },
  construct(target, args) {
    const { state } = target[CORE];
    if (state.options.mode === 'off') throw new InvalidArgumentError("a remote constructor cannot be called in 'off' mode: it must return the new object");
    return send(state, { type: 'new', server: state.ref.server, obj: state.ref.obj, path: state.path as string[], args, ret: state.options.returnType }) as object;
  },
};

/** @internal A new proxy for `state`. */
export function makeProxy(state: ProxyState): unknown {
  const { path } = state;
  // read only for a method: an actor's reference is made before the RemoteRef its getter returns
  const callOptions = path.length === 1 && state.ref.oneway.includes(path[0]!) ? { ...state.options, mode: 'off' as const } : state.options;
  // a function target makes the proxy callable and constructible
  const target = function remote() {} as Target;
  Object.setPrototypeOf(target, targetPrototype);
  target[CORE] = new ProxyCore(state, callOptions);
  return new Proxy(target, handler);
}

/** @internal The state behind a proxy, or undefined for anything else. */
export function proxyState(value: unknown): ProxyState | undefined {
  if (typeof value !== 'function') return undefined;
  let core: unknown;
  try {
    core = (value as Partial<Target>)[CORE];
  } catch {
    // another library's Proxy whose trap refuses unknown keys
    return undefined;
  }
  return core instanceof ProxyCore ? core.state : undefined;
}

function stateOf(proxy: unknown, fn: string): ProxyState {
  const s = proxyState(proxy);
  if (!s) throw new InvalidArgumentError(`${fn}: expected a zeroproc proxy, got ${typeof proxy}`);
  return s;
}

/** Whether `value` is a zeroproc proxy (of an object or of a path below one). */
export function isProxy(value: unknown): value is AnyRemote {
  return proxyState(value) !== undefined;
}

/**
 * A copy of `proxy` whose calls use other options: `mode` (`'sync'` Promise, `'async'` Future,
 * `'off'` fire-and-forget), `timeout` (ms) and `returnType` (`'auto'`, `'proxy'`, `'value'`).
 * Both proxies share one reference: releasing either releases both.
 */
export function withOptions<P extends AnyRemote, M extends CallMode = RemoteMode<P>>(
  proxy: P,
  options: CallOptions & { mode?: M },
): Remote<RemoteTarget<P>, M> {
  const s = stateOf(proxy, 'withOptions');
  checkOptions('withOptions', options, callOptionRules);
  const merged: ResolvedCallOptions = { ...defaultCallOptions, ...s.options };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return makeProxy({ ...s, options: merged }) as Remote<RemoteTarget<P>, M>;
}

/** Reads the value at the proxy's path, by value (class instances become plain data). */
export function getValue<P extends AnyRemote>(proxy: P): Promise<Awaited<RemoteTarget<P>>> {
  const s = stateOf(proxy, 'getValue');
  return Promise.resolve(readValue({ ...s, options: { ...s.options, mode: 'sync' } }, 'value')) as Promise<Awaited<RemoteTarget<P>>>;
}

/** Sets attribute `name` of the remote object and waits until it is done. */
export function setAttr<P extends AnyRemote, K extends keyof RemoteTarget<P> & string>(proxy: P, name: K, value: RemoteTarget<P>[K]): Promise<void> {
  const s = stateOf(proxy, 'setAttr');
  return send(s, { type: 'set', server: s.ref.server, obj: s.ref.obj, path: [...s.path, name], value }, { ...s.options, mode: 'sync' }) as Promise<void>;
}

/**
 * Gives the proxy's reference back to its owner, which frees the object when nobody else holds
 * it. Every proxy sharing the reference stops working. Also `proxy[Symbol.dispose]()`, so
 * `using p = ...` releases at the end of the block.
 */
export function release(proxy: AnyRemote): void {
  stateOf(proxy, 'release').ref.release();
}

/** Whether two proxies point at the same remote object and path. */
export function sameObject(a: unknown, b: unknown): boolean {
  const x = proxyState(a);
  const y = proxyState(b);
  if (!x || !y) return a === b;
  return x.ref.server === y.ref.server && x.ref.obj === y.ref.obj && x.path.join('\0') === y.path.join('\0');
}
