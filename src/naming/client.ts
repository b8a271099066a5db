/**
 * The client side of the name server: `connectNameServer()` and the module-level helpers that use
 * this process's default connection (found as `discovery.ts` says). A process that registers
 * names serves a small lease object to the name server: the session that its names belong to,
 * which ends when the process dies, closes the connection, or stops answering.
 */
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, QueueFullError, RemoteError } from '../errors.js';
import { checkOptions, delayMs, func, satisfies, boolean } from '../option-checks.js';
import { currentCall } from '../rpc/call-context.js';
import { RPCClient } from '../rpc/client.js';
import type { LinkAuth } from '../rpc/local.js';
import { release, sameObject, withOptions } from '../rpc/proxy.js';
import { MAX_DELAY_MS } from '../delays.js';
import { setUriScheme } from '../rpc/object-uri.js';
import type { Remote } from '../rpc/types.js';
import { checkReachable, nameServerAddress } from './discovery.js';
import { checkFilter, checkMetadata, checkName, checkPrefix, NAME_SCHEME, nameOfUri, type ListFilter, type NameEntry, type NameMetadata } from './names.js';
import { reconnecting, type ReconnectOptions } from './reconnect.js';
import { REGISTRY_NAME, type Lease, type NameRegistry } from './server.js';

/** Options of {@link connectNameServer}. */
export interface NameServerConnectOptions {
  /** Key of the name server's link; default: the process default key. Not used on a private ipc address. */
  authkey?: LinkAuth;
  /** Timeout of connecting and of each call, ms (default 10 000). */
  timeout?: number;
}

/** Options of {@link NameServerClient.register}. */
export interface RegisterOptions {
  /** Take the name over when it is held (default false: AlreadyExistsError). */
  replace?: boolean;
}

/** Options of {@link NameServerClient.lookup}. */
export interface LookupOptions extends ReconnectOptions {
  /**
   * Return a proxy that re-resolves the name when the object's server goes away, and reaches
   * whatever is registered under the same name then (docs/CLUSTER.md, "Reconnection"). Default false.
   */
  reconnect?: boolean;
}

const authkeyRule = satisfies('a string, a Uint8Array or a CURVE keyset { server, client }', (v) =>
  typeof v === 'string' || v instanceof Uint8Array || (typeof v === 'object' && v !== null && 'server' in v && 'client' in v));
const connectRules = { authkey: authkeyRule, timeout: delayMs(1) };
const registerRules = { replace: boolean };
const lookupRules = { reconnect: boolean, reconnectTimeout: delayMs(1), onReconnect: func };

/** The lease a registrant serves: `held()` settles when the session ends here. */
class SessionLease implements Lease {
  readonly #ended: Promise<void>;

  constructor(ended: Promise<void>) {
    this.#ended = ended;
  }

  held(): Promise<void> {
    // the name server cancels the call when it ends the session itself: the call must end too
    const signal = currentCall()?.signal;
    if (!signal) return this.#ended;
    return new Promise((resolve) => {
      void this.#ended.then(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  alive(): boolean {
    return true;
  }
}

/** A registration made through this client, for taking it back when its actor stops. */
interface Mine {
  ref: object;
  incarnation: string;
}

/** Every open client of this process, so an actor's stop reaches the names it was given here. */
const open = new Set<NameServerClient>();

/**
 * The registry's own errors arrive as RemoteErrors; the caller gets the typed error it would get
 * from a local registry, with the remote one as its cause.
 */
const typed: Record<string, new (message: string, options: { cause: unknown }) => Error> = {
  ERR_NOT_FOUND: NotFoundError,
  ERR_ALREADY_EXISTS: AlreadyExistsError,
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_QUEUE_FULL: QueueFullError,
};

function retyped(err: unknown): unknown {
  if (!(err instanceof RemoteError) || typeof err.remoteCode !== 'string' || !Object.hasOwn(typed, err.remoteCode)) return err;
  return new typed[err.remoteCode]!(err.remoteMessage, { cause: err });
}

/** A connection to a name server. Get one with {@link connectNameServer}. */
export class NameServerClient {
  /** The name server's address. */
  readonly address: string;
  readonly #client: RPCClient;
  readonly #registry: Remote<NameRegistry>;
  #session: Promise<string> | undefined;
  #endSession: (() => void) | undefined;
  readonly #mine = new Map<string, Mine>();
  #closed = false;

  /** @internal Use {@link connectNameServer}. */
  constructor(address: string, client: RPCClient, registry: Remote<NameRegistry>) {
    this.address = address;
    this.#client = client;
    this.#registry = registry;
    open.add(this);
  }

  /** Whether the connection was closed or lost. */
  get closed(): boolean {
    return this.#closed || this.#client.closed;
  }

  async #call<R>(call: (registry: Remote<NameRegistry>) => PromiseLike<R>): Promise<R> {
    if (this.#closed) throw new InvalidArgumentError(`the connection to the name server at ${this.address} is closed`);
    try {
      return await call(this.#registry);
    } catch (err) {
      throw retyped(err);
    }
  }

  /** The session of this process, opened on its first registration. */
  #sessionId(): Promise<string> {
    if (!this.#session) {
      const ended = new Promise<void>((resolve) => (this.#endSession = resolve));
      this.#session = this.#call((r) => r.attach(new SessionLease(ended) as never));
      this.#session.catch(() => (this.#session = undefined));
    }
    return this.#session;
  }

  /**
   * Registers `ref` as `name`: a proxy to an object of any process, or an object of this one (a
   * class instance, a function, or anything marked with `byRef()`), which this process then
   * serves. The entry lasts until `remove`, until this process closes the connection or dies
   * (liveness belongs to the registrant, see docs/CLUSTER.md), or, for an actor registered from
   * its own process, until the actor stops. A held name is AlreadyExistsError unless `replace`.
   */
  async register(name: string, ref: object, metadata: NameMetadata = {}, options: RegisterOptions = {}): Promise<NameEntry> {
    checkName('register', name);
    checkMetadata('register', metadata);
    checkOptions('register', options, registerRules);
    if (ref === null || (typeof ref !== 'object' && typeof ref !== 'function')) throw new InvalidArgumentError(`register(${JSON.stringify(name)}): expected an object to register by reference, got ${typeof ref}`);
    const session = await this.#sessionId();
    const entry = await this.#call((r) => r.register(session, name, ref, metadata, options.replace ?? false));
    this.#mine.set(name, { ref, incarnation: entry.incarnation });
    return entry;
  }

  /**
   * A proxy to the object registered as `name` (NotFoundError when there is none). The reference
   * names the server instance it was registered with: if that server is replaced, even at the
   * same address, calls fail rather than reach the newcomer, unless `reconnect` is asked for.
   */
  async lookup<T = unknown>(name: string, options: LookupOptions = {}): Promise<Remote<T>> {
    checkName('lookup', name);
    checkOptions('lookup', options, lookupRules);
    const { reconnect, ...rest } = options;
    const found = await this.#call((r) => r.lookup(name));
    if (!reconnect) return found.ref as Remote<T>;
    return reconnecting<T>(name, found as { entry: NameEntry; ref: Remote<unknown> }, {
      resolve: () => this.#call((r) => r.lookup(name)) as Promise<{ entry: NameEntry; ref: Remote<unknown> }>,
      entry: () => this.#call((r) => r.entry(name)),
      watch: (incarnation) => withOptions(this.#registry, { mode: 'async', timeout: MAX_DELAY_MS }).watch(name, incarnation),
    }, rest);
  }

  /** The entry of `name`, without a reference (NotFoundError when there is none). */
  async lookupEntry(name: string): Promise<NameEntry> {
    checkName('lookupEntry', name);
    return this.#call((r) => r.entry(name));
  }

  /** The entries whose name starts with `prefix` and whose metadata holds `filter.metadata`, sorted by name. */
  async list(prefix = '', filter: ListFilter = {}): Promise<NameEntry[]> {
    checkPrefix('list', prefix);
    checkFilter('list', filter);
    return this.#call((r) => r.list(prefix, filter));
  }

  /** Removes `name`, whoever registered it; resolves with whether it was registered. */
  async remove(name: string): Promise<boolean> {
    checkName('remove', name);
    this.#mine.delete(name);
    return this.#call((r) => r.remove(name));
  }

  /** @internal Removes the names this client registered for `target` (an actor that stopped). */
  async forget(target: object): Promise<void> {
    const gone: Promise<boolean>[] = [];
    for (const [name, mine] of this.#mine) {
      if (mine.ref !== target && !sameObject(mine.ref, target)) continue;
      this.#mine.delete(name);
      gone.push(this.#call((r) => r.remove(name, mine.incarnation)));
    }
    await Promise.all(gone);
  }

  /** Closes the connection; the names this process registered through it go with its session. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this);
    this.#endSession?.();
    this.#mine.clear();
    release(this.#registry);
    this.#client.close();
  }

  /** Closes the connection (`using ns = await connectNameServer()`). */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Connects to the name server at `address` (default: `ZEROPROC_NAMESERVER`, else this user's
 * local one), with the process default key unless `authkey` is given. An absent local name
 * server is NotFoundError at once; an unreachable TCP one fails after `timeout`.
 */
export async function connectNameServer(address?: string, options: NameServerConnectOptions = {}): Promise<NameServerClient> {
  if (address !== undefined && (typeof address !== 'string' || address === '')) throw new InvalidArgumentError(`connectNameServer: the address must be a non-empty string, got ${String(address)}`);
  checkOptions('connectNameServer', options, connectRules);
  const target = address ?? nameServerAddress();
  checkReachable(target);
  const client = await RPCClient.connect(target, { authkey: options.authkey, timeout: options.timeout });
  try {
    return new NameServerClient(target, client, await client.get<NameRegistry>(REGISTRY_NAME));
  } catch (err) {
    client.close();
    throw err;
  }
}

let shared: Promise<NameServerClient> | undefined;

/** This process's default connection, made on first use and again after it was lost. */
async function defaultClient(): Promise<NameServerClient> {
  const current = shared && (await shared.catch(() => undefined));
  if (current && !current.closed) return current;
  const connecting = connectNameServer();
  shared = connecting;
  connecting.catch(() => {
    if (shared === connecting) shared = undefined;
  });
  return connecting;
}

/** {@link NameServerClient.register} on this process's default name server connection. */
export async function register(name: string, ref: object, metadata?: NameMetadata, options?: RegisterOptions): Promise<NameEntry> {
  return (await defaultClient()).register(name, ref, metadata, options);
}

/** {@link NameServerClient.lookup} on this process's default name server connection. */
export async function lookup<T = unknown>(name: string, options?: LookupOptions): Promise<Remote<T>> {
  return (await defaultClient()).lookup<T>(name, options);
}

/** {@link NameServerClient.list} on this process's default name server connection. */
export async function list(prefix?: string, filter?: ListFilter): Promise<NameEntry[]> {
  return (await defaultClient()).list(prefix, filter);
}

/** {@link NameServerClient.remove} on this process's default name server connection. */
export async function remove(name: string): Promise<boolean> {
  return (await defaultClient()).remove(name);
}

/**
 * The object a `zpname:NAME` URI names: what `connect(uri)` and `lookupUrl` call for that
 * scheme. Looked up on the default connection, or, given `connection` options (a key, a
 * timeout), on a connection of its own to the default address, closed after the lookup (kept for
 * a reconnecting proxy, which needs it).
 */
export async function resolveName<T = unknown>(uri: string, options: LookupOptions = {}, connection?: NameServerConnectOptions): Promise<Remote<T>> {
  const name = nameOfUri('resolveName', uri);
  if (connection === undefined || Object.keys(connection).length === 0) return lookup<T>(name, options);
  const own = await connectNameServer(undefined, connection);
  try {
    return await own.lookup<T>(name, options);
  } finally {
    if (!options.reconnect) own.close();
  }
}

// `connect('zpname:NAME', { authkey, timeout })` is resolveName with those options for the name
// server's link; the rpc layer below cannot import this one, so the scheme is plugged in here
setUriScheme(NAME_SCHEME, (uri, { authkey, timeout }) =>
  resolveName(uri, {}, { ...(authkey !== undefined && { authkey }), ...(timeout !== undefined && { timeout }) }));

/**
 * Removes the names registered from this process for `target` (the actor host calls it when an
 * actor stops). Never rejects: a name server that cannot be told drops the names with the session.
 */
export async function forgetTarget(target: object): Promise<void> {
  await Promise.all([...open].map((c) => c.forget(target).catch(() => undefined)));
}
