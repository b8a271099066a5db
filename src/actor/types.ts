/**
 * Types only: actor references typed from their class, and the face of a host reached from
 * another process.
 */
import type { CallMode } from '../rpc/options.js';
import type { AnyRemote, OnewayMethod, OnewayOf, REMOTE, Remote } from '../rpc/types.js';
import type { ActorClassStatics } from './options.js';

/** Members of an actor that are its own business, not messages. */
type Private = 'onStart' | 'onStop' | 'log' | 'host' | 'self' | 'url' | `_${string}`;

/** Any class that can be spawned as an actor. */
export type ActorClass = (abstract new (...args: never[]) => object) & ActorClassStatics;

/** The names a class lists in `static tell` (or `static oneway`: one table). */
export type TellsOf<C> = OnewayOf<C>;

/**
 * A reference to an actor whose instances are `T`, with the tell methods `Tells`: an ask returns
 * a Promise of its result (a Future through `withOptions(ref, { mode: 'async' })`), a tell
 * returns nothing, an attribute is awaitable. Same as a `Remote<T>` otherwise (`withOptions`,
 * `release`, passing it to other processes).
 */
export type ActorRef<T, Tells extends string = never, M extends CallMode = 'sync'> = {
  readonly [K in Exclude<keyof T & string, Private>]: K extends Tells ? OnewayMethod<T[K]> : K extends keyof Remote<T, M> ? Remote<T, M>[K] : never;
} & Pick<Remote<T, M>, typeof REMOTE | typeof Symbol.dispose>;

/** The reference `host.spawn(id, Class)` gives for class `C`. */
export type RefOf<C> = C extends abstract new (...args: never[]) => infer I ? ActorRef<I, TellsOf<C>> : never;

/** A reference to an actor in its own process (`spawnActor`): `await using` ends the process. */
export type OwnedRef<C> = RefOf<C> & AsyncDisposable;

/**
 * A host reached from another process (`connectHost`, or a host passed by reference): every
 * method returns a Promise. Type a spawned actor with its class: `h.spawn<typeof Worker>(...)`.
 */
export interface HostRef extends AnyRemote {
  /** Spawns `specifier` (`'module#Export'`, default export without `#`) there as actor `id`. */
  spawn<C extends ActorClass = ActorClass>(id: string, specifier: string, ...args: unknown[]): Promise<RefOf<C>>;
  /** The actor `id` there (NotFoundError when there is none). */
  lookup<C extends ActorClass = ActorClass>(id: string): Promise<RefOf<C>>;
  /** Whether actor `id` exists there. */
  hasActor(id: string): Promise<boolean>;
  /** The ids of the actors there. */
  actors(): Promise<string[]>;
  /** Stops actor `id` there (see `ActorHost.stopActor`). */
  stopActor(id: string): Promise<void>;
  /** Stops every actor there; the process goes on. */
  shutdown(): Promise<void>;
  /** Counters of actor `id` (see `ActorHost.statsOf`). */
  statsOf(id: string): Promise<{ queued: number; running: number; droppedTells: number; expiredAsks: number }>;
  /** The URL actor `id` has there. */
  urlOf(id: string): Promise<string>;
  /** The address the host is served at. */
  readonly address: PromiseLike<string>;
  /** Releases the reference (same as `release(host)`). */
  [Symbol.dispose](): void;
}

/** What `connectHost` accepts besides an address: a spawned process (its `client` reaches it). */
export interface HostProcess {
  readonly client: { get<T = unknown>(name: string): Promise<Remote<T>>; import<T = unknown>(specifier: string): Promise<Remote<T>> };
}
