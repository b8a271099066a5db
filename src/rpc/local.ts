/**
 * Process-wide RPC state: the default authkey, the servers running in this process (so a
 * reference coming home becomes its object again), the server that serves callbacks this
 * process passes out (started lazily), and objects marked to go by reference.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CurveKeyset, LinkKey } from '../transport/curve.js';
import { keyBytes, type Authkey } from '../wire/authkey.js';
import type { PeerInfo } from './messages.js';
import type { RPCServer } from './server.js';

const host = hostname();
let defaultKey: Buffer | undefined;
let local: RPCServer | undefined;
let starting: Promise<RPCServer> | undefined;
/** The callback server zeroproc started itself, and the key it was started with. */
let own: { server: RPCServer; key: Buffer | undefined } | undefined;
const servers = new Map<string, RPCServer>();
const marked = new WeakSet<object>();
/** Servers zeroproc runs for its own tooling, which do not name the process (see selfInfo). */
const unnamed = new WeakSet<RPCServer>();
let starter: (() => Promise<RPCServer>) | undefined;

/**
 * What secures a link: an authkey (string or bytes, from which both ends derive CURVE keys), or a
 * CURVE keyset given whole. An empty key means none: allowed only on an address this machine
 * alone can reach, and then any local process may connect (docs/PROTOCOL.md, "Link security").
 */
export type LinkAuth = Authkey | CurveKeyset;

/**
 * Sets the key used by servers and clients created without an explicit `authkey`, including the
 * lazily started callback server. The spawner sets it to its per-run key; `undefined` forgets it
 * (a new random one is made when next needed).
 */
export function setDefaultAuthkey(key: Authkey | undefined): void {
  defaultKey = keyBytes(key);
}

/**
 * The process-wide default authkey: the one set, else 32 random bytes made on first use, so a
 * server started without a key is never open to whoever can reach it.
 */
export function getDefaultAuthkey(): Uint8Array {
  return defaultKeyBytes();
}

function defaultKeyBytes(): Buffer {
  return (defaultKey ??= randomBytes(32));
}

/** @internal What secures a link given `key`: the default key when undefined, none when empty. */
export function resolveKey(key: LinkAuth | undefined): LinkKey | undefined {
  if (key === undefined) return defaultKeyBytes();
  if (typeof key === 'string' || key instanceof Uint8Array) return keyBytes(key);
  return key;
}

/** Makes `server` the one that serves the local objects and callbacks this process passes out. */
export function setLocalServer(server: RPCServer | undefined): void {
  local = server;
}

/** The server serving this process's callbacks, if one runs. */
export function getLocalServer(): RPCServer | undefined {
  return local;
}

/** @internal How a local server gets started (set by server.ts, which local.ts must not import). */
export function setLocalServerStarter(start: () => Promise<RPCServer>): void {
  starter = start;
}

/**
 * The local server: the one set with `setLocalServer`, else one zeroproc starts for itself, on a
 * private ipc endpoint, with the process's default key. A server the user started is never taken silently: its key (or
 * import policy) is the user's, and a child calling back with the spawner's key would be
 * refused. One started before the default key changed (the spawner sets it at its first child)
 * is replaced for new callbacks; it keeps serving those it handed out until they are released.
 */
export async function ensureLocalServer(): Promise<RPCServer> {
  if (local && !(own?.server === local && !sameKey(own.key, defaultKey))) return local;
  if (local === own?.server) local = undefined;
  starting ??= startOwn().finally(() => (starting = undefined));
  return starting;
}

async function startOwn(): Promise<RPCServer> {
  const key = defaultKey;
  const server = await starter!();
  own = { server, key };
  local ??= server;
  return local;
}

function sameKey(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.equals(b));
}

/** @internal */
export function registerServer(server: RPCServer): void {
  servers.set(server.id, server);
}

/** @internal */
export function unregisterServer(server: RPCServer): void {
  servers.delete(server.id);
  if (local === server) local = undefined;
  if (own?.server === server) own = undefined;
}

/**
 * Drops, in every server of this process, the references held by clients in process `pid` (on
 * this host) and the tickets sent to its server `serverId`: the spawner calls it when a child
 * ends, so what it held does not wait for the peer timeout or the ticket expiry to be freed.
 */
export function dropClientsOfProcess(pid: number, serverId = ''): void {
  for (const server of servers.values()) server.dropClientsOf(pid, host, serverId);
}

/** @internal The server of this process whose id is `id`. */
export function serverById(id: string): RPCServer | undefined {
  return servers.get(id);
}

/**
 * Marks `obj` to travel by reference even where it would go by value (a plain object, an array,
 * a Map...). Returns `obj` itself.
 */
export function byRef<T extends object>(obj: T): T {
  marked.add(obj);
  return obj;
}

/** @internal */
export function isMarkedByRef(obj: object): boolean {
  return marked.has(obj);
}


/** @internal How this process introduces itself to servers. */
export function selfInfo(): PeerInfo {
  return { name: local?.name ?? firstServerName() ?? `pid-${process.pid}`, pid: process.pid, host, server: local?.id ?? '' };
}

/** @internal `server` is zeroproc's own tooling (the `zeroproc ps` endpoint): its name is not the process's. */
export function doesNotNameProcess(server: RPCServer): void {
  unnamed.add(server);
}

/** The name of the first server this process started itself (the process's name, in effect). */
function firstServerName(): string | undefined {
  for (const server of servers.values()) if (server !== own?.server && !unnamed.has(server)) return server.name;
  return undefined;
}
