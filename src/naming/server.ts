/**
 * The name server: an RPC server publishing one registry of names. Each entry holds a reference
 * to the registered object and belongs to the session of the process that registered it; a
 * session ends, and its entries go, when that process closes it, dies (its connection drops:
 * at once) or stops answering probes (`livenessTimeout`).
 */
import { existsSync } from 'node:fs';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, QueueFullError } from '../errors.js';
import { MAX_DELAY_MS } from '../delays.js';
import { describeValue } from '../describe-value.js';
import { checkOptions, delayMs, nonEmptyString, satisfies, wholeNumber } from '../option-checks.js';
import { currentCall } from '../rpc/call-context.js';
import { RPCClient } from '../rpc/client.js';
import { isMarkedByRef, type LinkAuth } from '../rpc/local.js';
import { isProxy, proxyState, release, withOptions } from '../rpc/proxy.js';
import { randomId } from '../rpc/random-id.js';
import { RPCServer } from '../rpc/server.js';
import type { Remote } from '../rpc/types.js';
import { nameServerAddress } from './discovery.js';
import { checkFilter, checkMetadata, checkName, checkPrefix, matches, type ListFilter, type NameEntry, type NameMetadata } from './names.js';

/** The name the registry is published under on the name server's RPC server. */
export const REGISTRY_NAME = 'zeroproc.nameserver';

/** Options of {@link startNameServer}. */
export interface NameServerOptions {
  /**
   * Where to bind. Default: `ZEROPROC_NAMESERVER`, else this user's private ipc socket (see
   * `docs/CLUSTER.md`). A non-loopback TCP address needs an `authkey`.
   */
  address?: string;
  /** Key of the CURVE link (default: the process default key). Not used on a private ipc address. */
  authkey?: LinkAuth;
  /** Name of the server, as clients see it. Default `nameserver`. */
  name?: string;
  /**
   * A registrant that does not answer a probe within this many ms is presumed gone and its names
   * removed (a registrant that dies is noticed at once, by its dropped connection; this catches a
   * machine or link that goes away silently). Probes go every third of it. Default 1 500.
   */
  livenessTimeout?: number;
  /** Most names held at once; past it `register` fails with QueueFullError. Default 100 000. */
  maxEntries?: number;
}

const optionRules = {
  address: nonEmptyString,
  authkey: satisfies('a string, a Uint8Array or a CURVE keyset { server, client }', (v) =>
    typeof v === 'string' || v instanceof Uint8Array || (typeof v === 'object' && v !== null && 'server' in v && 'client' in v)),
  name: nonEmptyString,
  livenessTimeout: delayMs(3),
  maxEntries: wholeNumber(1, 10_000_000, 'entries'),
};

/** What the registrant's process serves for its session: the name server watches it. */
export interface Lease {
  /** Settles when the registrant ends the session; the call's failure means the registrant is gone. */
  held(): Promise<void>;
  /** Answers probes. */
  alive(): boolean;
}

interface Session {
  lease: Remote<Lease>;
  /** Stops watching `held()`: a pending call would keep the name server's process alive. */
  unwatch(): void;
  names: Set<string>;
  probing: boolean;
}

interface Stored {
  entry: NameEntry;
  ref: object;
  session: string;
}

/** Plain objects and arrays travel by value: registering one would register a copy, not an object. */
function isPlainData(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/** What the NameServer does to its registry that clients must not: probing, ending every session. */
let control: { probe(registry: NameRegistry, timeout: number): void; clear(registry: NameRegistry): void };

/**
 * The registry a name server publishes. Every public method is callable by its clients; its state
 * lives in #private fields, out of reach of a remote path. The client side (`connectNameServer`)
 * is the intended caller.
 */
export class NameRegistry {
  readonly #entries = new Map<string, Stored>();
  readonly #sessions = new Map<string, Session>();
  readonly #maxEntries: number;
  readonly #home: RPCServer;
  /** Who waits for a name's registration to end, by name: reconnecting proxies. */
  readonly #watchers = new Map<string, Set<() => void>>();
  #watcherCount = 0;

  /** @internal Made by {@link startNameServer}. */
  constructor(maxEntries: number, home: RPCServer) {
    this.#maxEntries = maxEntries;
    this.#home = home;
  }

  /**
   * Opens a session watched through `lease`, an object served by the registrant's process;
   * resolves with the session id that `register` takes.
   */
  attach(lease: Remote<Lease>): string {
    // a lease of the name server's own process arrives as itself
    if (!isProxy(lease) && !(typeof (lease as Partial<Lease>).held === 'function' && typeof (lease as Partial<Lease>).alive === 'function')) {
      throw new InvalidArgumentError('attach: the lease must be an object served by the registrant (passed by reference)');
    }
    if (this.#sessions.size >= this.#maxEntries) throw new QueueFullError(`the name server holds its maximum of ${this.#maxEntries} sessions`);
    const id = randomId();
    // pending for as long as the session lasts: the registrant's death rejects it at once
    const held = isProxy(lease) ? withOptions(lease, { mode: 'async', timeout: MAX_DELAY_MS }).held() : undefined;
    this.#sessions.set(id, { lease, names: new Set(), probing: false, unwatch: () => held?.cancel() });
    Promise.resolve(held ?? (lease as unknown as Lease).held()).then(() => this.detach(id), () => this.detach(id));
    return id;
  }

  /** Ends session `session`: its names go. */
  detach(session: string): void {
    const s = this.#sessions.get(session);
    if (!s) return;
    this.#sessions.delete(session);
    s.unwatch();
    for (const name of s.names) this.#drop(name);
    if (isProxy(s.lease)) release(s.lease);
  }

  /**
   * Registers `ref` (a reference to an object of any process) as `name` for session `session`.
   * A held name is AlreadyExistsError unless `replace` is true. Resolves with the new entry.
   */
  register(session: string, name: string, ref: object, metadata: NameMetadata = {}, replace = false): NameEntry {
    checkName('register', name);
    const clean = checkMetadata('register', metadata);
    if (typeof replace !== 'boolean') throw new InvalidArgumentError(`register(${JSON.stringify(name)}): replace must be true or false, got ${describeValue(replace)}`);
    const state = proxyState(ref);
    // an object of the name server's own process arrives as itself; values are not references
    if (state ? state.path.length > 0 : typeof ref !== 'function' && !isMarkedByRef(ref) && isPlainData(ref)) throw new InvalidArgumentError(`register(${JSON.stringify(name)}): expected a reference to an object (a class instance, a function, or something marked with byRef()), got a value`);
    const s = this.#sessions.get(session);
    if (!s) throw new NotFoundError(`register(${JSON.stringify(name)}): no session ${String(session).slice(0, 40)} on this name server (it restarted, or the session ended)`);
    const held = this.#entries.get(name);
    if (held && !replace) {
      throw new AlreadyExistsError(`the name ${JSON.stringify(name)} is already registered (to an object at ${held.entry.address}, since ${new Date(held.entry.registeredAt).toISOString()}); pass { replace: true } to take it over`);
    }
    if (!held && this.#entries.size >= this.#maxEntries) throw new QueueFullError(`the name server holds its maximum of ${this.#maxEntries} names`);
    if (held) this.#drop(name);
    const entry: NameEntry = {
      name,
      address: state ? state.ref.client.address : this.#home.advertisedAddress,
      server: state ? state.ref.server : this.#home.id,
      object: state ? state.ref.obj : '',
      metadata: clean,
      registeredAt: Date.now(),
      incarnation: randomId(),
    };
    this.#entries.set(name, { entry, ref, session });
    s.names.add(name);
    return entry;
  }

  /** The entry of `name` and its reference (NotFoundError when there is none). */
  lookup(name: string): { entry: NameEntry; ref: object } {
    const stored = this.#get('lookup', name);
    return { entry: stored.entry, ref: stored.ref };
  }

  /** The entry of `name`, without the reference (NotFoundError when there is none). */
  entry(name: string): NameEntry {
    return this.#get('entry', name).entry;
  }

  /** The entries whose name starts with `prefix` and whose metadata holds `filter.metadata`, by name. */
  list(prefix = '', filter: ListFilter = {}): NameEntry[] {
    checkPrefix('list', prefix);
    const clean = checkFilter('list', filter);
    const found: NameEntry[] = [];
    for (const { entry } of this.#entries.values()) if (matches(entry, prefix, clean)) found.push(entry);
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Removes `name`; with `incarnation`, only if the name still holds that registration (so a
   * late removal never takes away a newer one). Resolves with whether something was removed.
   */
  remove(name: string, incarnation?: string): boolean {
    checkName('remove', name);
    const stored = this.#entries.get(name);
    if (!stored || (incarnation !== undefined && stored.entry.incarnation !== incarnation)) return false;
    this.#drop(name);
    return true;
  }

  /**
   * Resolves once `name` no longer holds registration `incarnation` (at once if it does not now):
   * how a reconnecting proxy learns, without a call of its own failing, that its object went
   * away. Ends when the caller cancels the call.
   */
  watch(name: string, incarnation: string): Promise<void> {
    checkName('watch', name);
    if (this.#entries.get(name)?.entry.incarnation !== incarnation) return Promise.resolve();
    if (this.#watcherCount >= this.#maxEntries) throw new QueueFullError(`the name server holds its maximum of ${this.#maxEntries} watches`);
    const signal = currentCall()?.signal;
    return new Promise((resolve) => {
      let set = this.#watchers.get(name);
      if (!set) this.#watchers.set(name, (set = new Set()));
      const done = (): void => {
        if (!set.delete(done)) return;
        this.#watcherCount--;
        if (set.size === 0 && this.#watchers.get(name) === set) this.#watchers.delete(name);
        resolve();
      };
      set.add(done);
      this.#watcherCount++;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #get(fn: string, name: string): Stored {
    checkName(fn, name);
    const stored = this.#entries.get(name);
    if (!stored) throw new NotFoundError(`no name ${JSON.stringify(name)} is registered`);
    return stored;
  }

  #drop(name: string): void {
    const stored = this.#entries.get(name);
    if (!stored) return;
    this.#entries.delete(name);
    this.#sessions.get(stored.session)?.names.delete(name);
    for (const done of [...(this.#watchers.get(name) ?? [])]) done();
    if (isProxy(stored.ref)) release(stored.ref);
  }

  #probe(timeout: number): void {
    for (const [id, s] of this.#sessions) {
      if (s.probing) continue;
      s.probing = true;
      const probed = isProxy(s.lease) ? withOptions(s.lease, { timeout }).alive() : Promise.resolve(true);
      probed.then(
        () => (s.probing = false),
        () => this.detach(id),
      );
    }
  }

  #clear(): void {
    for (const id of [...this.#sessions.keys()]) this.detach(id);
  }

  static {
    // for the NameServer that runs the registry, out of reach of the registry's remote callers
    control = { probe: (r, timeout) => r.#probe(timeout), clear: (r) => r.#clear() };
  }
}

/** A running name server. Start one with {@link startNameServer}. */
export class NameServer {
  readonly #server: RPCServer;
  readonly #registry: NameRegistry;
  readonly #prober: NodeJS.Timeout;

  /** @internal Use {@link startNameServer}. */
  constructor(server: RPCServer, registry: NameRegistry, livenessTimeout: number) {
    this.#server = server;
    this.#registry = registry;
    this.#prober = setInterval(() => control.probe(registry, livenessTimeout), Math.floor(livenessTimeout / 3));
    this.#prober.unref();
    void server.closed.then(() => this.#stop());
  }

  /** The address clients connect to. */
  get address(): string {
    return this.#server.advertisedAddress;
  }

  /** Settles once the name server is closed. */
  get closed(): Promise<void> {
    return this.#server.closed;
  }

  /** The registered entries, by name. */
  entries(): NameEntry[] {
    return this.#registry.list();
  }

  #stop(): void {
    clearInterval(this.#prober);
    control.clear(this.#registry);
  }

  /** Closes the name server: its clients' pending calls reject with DisconnectedError. */
  async close(): Promise<void> {
    this.#stop();
    await this.#server.close();
  }

  /** Closes the name server (`await using ns = await startNameServer()`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a name server (see {@link NameServerOptions}); at the default address, refuses
 * (AlreadyExistsError) when one already answers there.
 */
export async function startNameServer(options: NameServerOptions = {}): Promise<NameServer> {
  checkOptions('startNameServer', options, optionRules);
  const address = options.address ?? nameServerAddress();
  await refuseIfServed(address);
  const server = await RPCServer.start({ address, authkey: options.authkey, name: options.name ?? 'nameserver' });
  const registry = new NameRegistry(options.maxEntries ?? 100_000, server);
  server.publish(REGISTRY_NAME, registry);
  return new NameServer(server, registry, options.livenessTimeout ?? 1_500);
}

/**
 * Binding an ipc path takes it over from whoever is bound there: a second name server at the same
 * socket would silently orphan the first one's clients. A stale file (its server was killed) is fine.
 */
async function refuseIfServed(address: string): Promise<void> {
  if (!address.startsWith('ipc://') || !existsSync(address.slice('ipc://'.length))) return;
  let client: RPCClient;
  try {
    client = await RPCClient.connect(address, { timeout: 500 });
  } catch {
    return;
  }
  client.close();
  throw new AlreadyExistsError(`a name server already answers at ${address}`);
}
