/**
 * `Remote<T>`: the type of a proxy to a remote `T`. Methods return a Promise of their awaited
 * result (a Future in `'async'` mode, nothing in `'off'` mode), a class instance or function
 * result being itself a `Remote`; properties are awaitable values
 * that also lead further down (`await p.a.b`), classes become remote constructors, and the root
 * proxy is not thenable so it can be returned from async functions.
 */
import type { Future } from './future.js';
import type { CallMode } from './options.js';
import type { RemoteStream } from './stream-consumer.js';

/** Type-only brand that lets helpers such as `withOptions` recover `T` and the mode from a proxy. */
export declare const REMOTE: unique symbol;
type Brand<T, M extends CallMode> = { readonly [REMOTE]?: [T, M] };

// `never[]` parameters accept every function; `unknown` returns accept every result.
type AnyFunction = (...args: never[]) => unknown;
type AnyConstructor = abstract new (...args: never[]) => unknown;

/**
 * Classes registered with `registerType` travel by value although they have methods. Tell the
 * types so by augmenting this interface (the keys do not matter):
 * ```ts
 * declare module 'zeroproc' { interface ValueTypes { vec2: Vec2 } }
 * ```
 */
export interface ValueTypes {}

/** Values `returnType: 'auto'` sends by value whole, with nothing inside them turned into a proxy. */
type ValueLeaf = Date | RegExp | Error | ArrayBuffer | ArrayBufferView | ValueTypes[keyof ValueTypes];

type HasMethods<T> = { [K in keyof T]-?: T[K] extends AnyFunction ? K : never }[keyof T] extends never ? false : true;

/**
 * What a returned `R` arrives as with `returnType: 'auto'`: functions and objects with methods
 * (class instances) as proxies, data as itself; data is mapped all the way down, because a class
 * instance inside an array, a plain object, a Map or a Set arrives as a proxy too. Async
 * iterables and sync iterators (generators, `map.keys()`) arrive as a {@link RemoteStream} of
 * their items.
 */
export type Returned<R> = R extends ValueLeaf
  ? R
  : R extends AsyncIterable<infer X>
    ? RemoteStream<Returned<X>>
    : R extends Iterator<infer X> & Iterable<unknown>
      ? RemoteStream<Returned<X>>
      : R extends AnyFunction | AnyConstructor
        ? Remote<R>
        : R extends ReadonlyMap<infer K, infer V>
          ? Map<Returned<K>, Returned<V>>
          : R extends ReadonlySet<infer V>
            ? Set<Returned<V>>
            : R extends readonly unknown[]
              ? { -readonly [I in keyof R]: Returned<R[I]> }
              : R extends object
                ? HasMethods<R> extends true
                  ? Remote<R>
                  : { [K in keyof R]: Returned<R[K]> }
                : R;

/** What a call returns in mode `M`. */
export type RemoteResult<R, M extends CallMode> = M extends 'async' ? Future<Returned<Awaited<R>>> : M extends 'off' ? void : Promise<Returned<Awaited<R>>>;

type Callable<T, M extends CallMode> = T extends (...args: infer A) => infer R ? (...args: A) => RemoteResult<R, M> : unknown;

type Constructable<T> = T extends abstract new (...args: infer A) => infer I ? new (...args: A) => Promise<Remote<I>> : unknown;

type Member<V, M extends CallMode> = V extends AnyFunction | AnyConstructor ? Remote<V, M> : RemoteProperty<V, M>;

/**
 * The methods class `C` declares oneway: its `static oneway` (Pyro's `@oneway`) and `static tell`
 * (the actor spelling of the same table), each written `as const`.
 */
export type OnewayOf<C> =
  | (C extends { readonly oneway: readonly (infer K)[] } ? K & string : never)
  | (C extends { readonly tell: readonly (infer K)[] } ? K & string : never);

/**
 * The oneway methods of instances of `T`, when `T` names its class as its `constructor`
 * (`declare ['constructor']: typeof Logger` in the class body, which emits nothing).
 */
type OnewayNames<T> = T extends { constructor: infer C } ? OnewayOf<C> : never;

/** What a oneway method becomes on a proxy: it returns nothing, whatever the mode. */
export type OnewayMethod<F> = F extends (...args: infer A) => unknown ? (...args: A) => void : never;

// `constructor` is never reachable remotely (docs/PROTOCOL.md, section 12), so never a member
type Members<T, M extends CallMode> = T extends object
  ? { readonly [K in keyof T as K extends 'constructor' ? never : K]: K extends OnewayNames<T> ? OnewayMethod<T[K]> : Member<T[K], M> }
  : unknown;

/** A property of a remote object: await it for its value, or go further down its path. */
export type RemoteProperty<V, M extends CallMode = 'sync'> = PromiseLike<Returned<Awaited<V>>> & Members<V, M> & Brand<V, M>;

/** A proxy to a remote `T` whose calls use mode `M` (`'sync'` unless changed with `withOptions`). */
export type Remote<T, M extends CallMode = 'sync'> = Members<T, M> &
  Brand<T, M> &
  Callable<T, M> &
  Constructable<T> & {
    /** Releases the reference (same as `release(proxy)`). */
    [Symbol.dispose](): void;
  };

/** Any proxy or proxied property. */
export type AnyRemote = Brand<unknown, CallMode>;

/** The remote type behind a proxy type. */
export type RemoteTarget<P> = P extends Brand<infer T, CallMode> ? T : unknown;

/** The call mode of a proxy type. */
export type RemoteMode<P> = P extends Brand<unknown, infer M extends CallMode> ? M : 'sync';
