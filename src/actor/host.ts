/**
 * The per-process container of actors: spawn, lookup, stop. Published on the process's RPC
 * server as `zeroproc.host`, so other processes reach it (`connectHost`), and passable by
 * reference like any object. Its state sits in #private fields: a remote caller walking
 * properties through a reference finds nothing but its methods.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, AuthError, DisconnectedError, InvalidArgumentError, NotFoundError, RemoteError } from '../errors.js';
import { holdOpen } from '../idle-exit.js';
import { RPCClient } from '../rpc/client.js';
import { parseObjectUri } from '../rpc/object-uri.js';
import { getDefaultAuthkey, getLocalServer, setDefaultAuthkey } from '../rpc/local.js';
import { isProxy, release } from '../rpc/proxy.js';
import { RPCServer } from '../rpc/server.js';
import { provideActorStatus, type ActorStatus } from '../status-sections.js';
import { forgetTarget, resolveName } from '../naming/client.js';
import { NAME_SCHEME } from '../naming/names.js';
import type { Authkey } from '../wire/authkey.js';
import { ActorCell } from './actor-cell.js';
import { homeReference } from './actor-ref.js';
import { actorDeclarations, resolveHostOptions, type HostOptions, type ResolvedHostOptions } from './options.js';
import type { ActorClass, HostProcess, HostRef, RefOf } from './types.js';

/** The name a host is published under on its process's RPC server. */
export const HOST_NAME = 'zeroproc.host';

let hostSerial = 0;

/** What {@link ActorHost.statsOf} reports. */
export interface ActorStats {
  /** Messages waiting to start. */
  queued: number;
  /** Messages started and not finished. */
  running: number;
  /** Tells dropped because the mailbox was full. */
  droppedTells: number;
  /** Queued asks dropped before they ran because their caller had given up. */
  expiredAsks: number;
  /** Asks delivered and not yet answered (queued or running). */
  inFlightAsks: number;
  /** Messages delivered since the actor was spawned. */
  received: number;
  /** Messages taken from the mailbox: run to completion or failure, or dropped as expired asks. */
  processed: number;
}

/**
 * The actors of one process. Get it with {@link createHost}. Like a server, a host with live
 * actors keeps its script running (they may be sent messages at any time); once it has none,
 * after `stopActor` or `shutdown()`, it no longer does, and its own server closes with the
 * script's other idle links.
 */
export class ActorHost {
  readonly #server: RPCServer;
  readonly #ownsServer: boolean;
  readonly #options: ResolvedHostOptions;
  readonly #cells = new Map<string, { cell: ActorCell; release(): void }>();
  /** Ids being spawned (their class still loading or `onStart` running). */
  readonly #reserved = new Set<string>();
  readonly #serial = ++hostSerial;
  #spawned = 0;
  #closing: Promise<void> | undefined;
  /** Releases the hold on the process that live actors take (see the class comment). */
  #releaseHold: (() => void) | undefined;
  /** Withdraws the host from this process's `zeroproc ps` status. */
  #withdrawStatus: () => void = () => undefined;

  /** @internal Use {@link createHost}. */
  constructor(server: RPCServer, ownsServer: boolean, options: ResolvedHostOptions) {
    this.#server = server;
    this.#ownsServer = ownsServer;
    this.#options = options;
  }

  /** The address the host is served at (its process's RPC server). */
  get address(): string {
    return this.#server.advertisedAddress;
  }

  /** The host's name (the process name unless set). */
  get name(): string {
    return this.#options.name ?? this.#server.name;
  }

  /**
   * The URL of actor `id` in this host: its object URI (`zp+tcp://host:port/id`), what
   * `lookupUrl` and `connect` take.
   */
  urlOf(id: string): string {
    return this.#server.uri(id);
  }

  /**
   * Spawns actor `id`: `new Class(...args)` (a class of this process), or the export named by
   * `'module#Export'` (`#default` when left out), loaded like a remote import (the server's
   * allow-list applies). Resolves once `onStart` has run, with the actor's reference.
   */
  async spawn<C extends ActorClass>(id: string, Class: C, ...args: ConstructorParameters<C>): Promise<RefOf<C>>;
  async spawn<C extends ActorClass = ActorClass>(id: string, specifier: string, ...args: unknown[]): Promise<RefOf<C>>;
  async spawn(id: string, what: ActorClass | string, ...args: unknown[]): Promise<unknown> {
    if (this.#closing) throw new InvalidArgumentError(`host ${this.name} is shut down`);
    if (typeof id !== 'string' || id.length === 0 || id.includes('/')) throw new InvalidArgumentError(`spawn: \`id\` must be a non-empty string without "/", got ${JSON.stringify(id)}`);
    if (typeof what !== 'string' && (typeof what !== 'function' || isProxy(what))) {
      throw new InvalidArgumentError(`spawn(${JSON.stringify(id)}): pass a class of the host's own process, or a 'module#Export' specifier (a class from another process cannot be spawned here)`);
    }
    if (this.#cells.has(id) || this.#reserved.has(id)) throw new AlreadyExistsError(`an actor ${JSON.stringify(id)} already exists in host ${this.name}`);
    this.#reserved.add(id);
    try {
      const Class = typeof what === 'string' ? await this.#load(what) : what;
      const declarations = actorDeclarations(Class);
      const home = homeReference(this.#server, Class.name, declarations.tells, this.#options.askTimeout, `actor:${this.#serial}:${++this.#spawned}`);
      const cell = new ActorCell(this, id, this.urlOf(id), Class as unknown as new (...a: never[]) => object, args, declarations, declarations.max ?? this.#options.max, home.proxy);
      home.client.cell = cell;
      try {
        await cell.start();
      } catch (err) {
        home.release();
        throw err;
      }
      this.#cells.set(id, { cell, release: home.release });
      this.#releaseHold ??= holdOpen();
      return home.proxy;
    } finally {
      this.#reserved.delete(id);
    }
  }

  async #load(specifier: string): Promise<ActorClass> {
    const hash = specifier.lastIndexOf('#');
    const path = hash < 0 ? specifier : specifier.slice(0, hash);
    const name = hash < 0 ? 'default' : specifier.slice(hash + 1);
    const namespace = (await this.#server.loadModule(path)) as Record<string, unknown>;
    const Class = namespace[name];
    if (typeof Class !== 'function') throw new NotFoundError(`module ${JSON.stringify(path)} has no class exported as ${JSON.stringify(name)}`);
    return Class as ActorClass;
  }

  /** The reference of actor `id` (NotFoundError when there is none). */
  lookup<C extends ActorClass = ActorClass>(id: string): RefOf<C> {
    const entry = this.#cells.get(id);
    if (!entry) throw new NotFoundError(`no actor ${JSON.stringify(id)} in host ${this.name}`);
    return entry.cell.ref as RefOf<C>;
  }

  /** Whether actor `id` exists (and is not stopping). */
  hasActor(id: string): boolean {
    return this.#cells.has(id);
  }

  /**
   * Counters of actor `id`: messages waiting and running, tells a full mailbox dropped, queued
   * asks dropped because their caller gave up (timed out, cancelled) before they ran.
   */
  statsOf(id: string): ActorStats {
    const entry = this.#cells.get(id);
    if (!entry) throw new NotFoundError(`no actor ${JSON.stringify(id)} in host ${this.name}`);
    const { cell } = entry;
    return {
      queued: cell.mailbox.size, running: cell.mailbox.active, droppedTells: cell.dropped, expiredAsks: cell.expired,
      inFlightAsks: cell.inFlightAsks(), received: cell.received, processed: cell.processed,
    };
  }

  /**
   * @internal Makes the host's actors part of this process's `zeroproc ps` status. Static, and
   * the list private: a host is published, and a remote caller reaches its instance methods.
   */
  static reportStatus(host: ActorHost): void {
    host.#withdrawStatus = provideActorStatus(() => host.#status());
  }

  #status(): ActorStatus[] {
    return [...this.#cells.entries()].map(([id, { cell }]) => ({ id, className: cell.className, state: cell.state, ...this.statsOf(id) }));
  }

  /** The ids of the actors, in spawn order. */
  actors(): string[] {
    return [...this.#cells.keys()];
  }

  /**
   * Stops actor `id`: its id is free at once; its queued asks reject with ActorStoppedError,
   * later ones fail at once; resolves once its running messages finished and `onStop` ran.
   */
  async stopActor(id: string): Promise<void> {
    const entry = this.#cells.get(id);
    if (!entry) throw new NotFoundError(`no actor ${JSON.stringify(id)} in host ${this.name}`);
    this.#cells.delete(id);
    // the names this process gave the actor go now, not when the process ends
    void forgetTarget(entry.cell.ref);
    try {
      await entry.cell.stop();
    } finally {
      entry.release();
      if (this.#cells.size === 0) {
        this.#releaseHold?.();
        this.#releaseHold = undefined;
      }
    }
  }

  /** Stops every actor and withdraws the host from its server (closed too if the host started it). */
  shutdown(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    await Promise.all(this.actors().map((id) => this.stopActor(id)));
    this.#server.unpublish(HOST_NAME);
    this.#withdrawStatus();
    this.#server.setNameFallback(undefined);
    if (current === this) currentHost = undefined;
    if (this.#ownsServer) await this.#server.close();
  }

  /** Shuts the host down (`await using host = await createHost()`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

let currentHost: Promise<ActorHost> | undefined;
let current: ActorHost | undefined;

async function startHost(options: ResolvedHostOptions): Promise<ActorHost> {
  const local = options.address === undefined ? getLocalServer() : undefined;
  // the per-run key children get from the spawner: made now, so that children spawned after the
  // host share the key its server checks
  if (!local && options.authkey === undefined && !getDefaultAuthkey()) setDefaultAuthkey(randomBytes(32));
  const server = local ?? (await RPCServer.start({ address: options.address, authkey: options.authkey, name: options.name, closeWhenIdle: true }));
  const host = new ActorHost(server, !local, options);
  try {
    server.publish(HOST_NAME, host);
    // an object URI names an actor of this host as it names a published object
    server.setNameFallback((id) => (host.hasActor(id) ? host.lookup(id) : undefined));
  } catch (err) {
    if (!local) await server.close();
    throw err;
  }
  current = host;
  ActorHost.reportStatus(host);
  return host;
}

/**
 * This process's actor host, started on the first call (served by the process's RPC server, or
 * by one it starts). Later calls return the same host until it is shut down; passing options
 * then is an AlreadyExistsError.
 */
export async function createHost(options?: HostOptions): Promise<ActorHost> {
  const resolved = resolveHostOptions(options);
  if (currentHost) {
    if (options !== undefined && Object.keys(options).length > 0) throw new AlreadyExistsError('createHost: this process already has a host; shut it down before creating one with other options');
    return currentHost;
  }
  const starting = startHost(resolved);
  currentHost = starting;
  starting.catch(() => {
    if (currentHost === starting) currentHost = undefined;
  });
  return starting;
}

/** Options of {@link connectHost} and {@link lookupUrl}. */
export interface ConnectHostOptions {
  /** Key of the host's server; default: the process default key. */
  authkey?: Authkey;
  /** Timeout of connecting, ms (default 10 000). */
  timeout?: number;
}

function checkConnectOptions(fn: string, options: ConnectHostOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${fn}: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) if (key !== 'authkey' && key !== 'timeout') throw new InvalidArgumentError(`${fn}: unknown option ${JSON.stringify(key)}`);
  const { timeout } = options;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && timeout <= 2 ** 31 - 1)) throw new InvalidArgumentError(`${fn}: option \`timeout\` must be 1 to 2147483647 ms, got ${String(timeout)}`);
}

/**
 * The host of another process: a spawned child (`connectHost(proc)`, its host created on
 * demand) or the server at an address. A host reached by address closes its connection once
 * every reference obtained through it is released.
 */
export async function connectHost(target: HostProcess | string, options: ConnectHostOptions = {}): Promise<HostRef> {
  checkConnectOptions('connectHost', options);
  if (typeof target !== 'string' && (target === null || typeof target !== 'object' || !target.client)) {
    throw new InvalidArgumentError(`connectHost: expected a process handle or an address, got ${target === null ? 'null' : typeof target}`);
  }
  if (typeof target !== 'string') return hostOf(target.client);
  const client = await RPCClient.connect(target, { authkey: options.authkey, timeout: options.timeout, closeWhenUnused: true });
  try {
    return await hostOf(client);
  } catch (err) {
    client.close();
    throw err;
  }
}

async function hostOf(client: HostProcess['client']): Promise<HostRef> {
  try {
    return (await client.get<ActorHost>(HOST_NAME)) as unknown as HostRef;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  // no host there yet: the process creates its own, through its own copy of the library
  const library = await client.import<{ createHost(): Promise<ActorHost> }>('zeroproc');
  const host = (await library.createHost()) as unknown as HostRef;
  release(library);
  return host;
}

/**
 * The actor at `url`, its object URI (`zp+tcp://host:port/id`, as `actor.url` and
 * `host.urlOf(id)` give it; `tcp://host:port/id` is read the same), or the one registered on the
 * name server as NAME (`zpname:NAME`, see `lookup`; `authkey` and `timeout` are then those of the
 * name server, found as `connectNameServer` finds it). `connect(url)` gives the same reference.
 * Fails fast: NotFoundError when the host has no such actor (or there is no host, or no such
 * name), DisconnectedError when nothing answers there.
 */
export async function lookupUrl<C extends ActorClass = ActorClass>(url: string, options: ConnectHostOptions = {}): Promise<RefOf<C>> {
  checkConnectOptions('lookupUrl', options);
  if (typeof url === 'string' && url.startsWith(NAME_SCHEME)) return resolveName<C>(url, {}, options) as Promise<RefOf<C>>;
  let address: string;
  let id: string;
  try {
    ({ address, name: id } = parseObjectUri(url));
  } catch (err) {
    throw new InvalidArgumentError(`lookupUrl: expected tcp://host:port/id or ipc://path/id, got ${JSON.stringify(url)} (${(err as Error).message})`);
  }
  let host: HostRef;
  try {
    host = await connectHost(address, options);
  } catch (err) {
    // a wrong key stays an AuthError: the caller must fix the key, not wait for the host
    if (err instanceof NotFoundError || err instanceof DisconnectedError || err instanceof AuthError) throw err;
    throw new DisconnectedError(`lookupUrl: could not reach a host at ${address}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await host.lookup<C>(id);
  } catch (err) {
    // the host's NotFoundError arrives as a RemoteError: give the caller the typed one
    if (err instanceof RemoteError && err.remoteCode === 'ERR_NOT_FOUND') throw new NotFoundError(`lookupUrl: no actor ${JSON.stringify(id)} at ${address}`, { cause: err });
    throw err;
  } finally {
    release(host as never);
  }
}
