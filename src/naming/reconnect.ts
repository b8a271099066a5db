/**
 * Proxies that follow a name (Pyro's autoreconnect): when the object's server goes away, the
 * next call looks the name up again and goes to whatever is registered under it then. Only the
 * same name is followed, and a call that may have run is never sent twice (docs/CLUSTER.md,
 * "Reconnection").
 */
import { inspect } from 'node:util';
import { DisconnectedError, NotFoundError, ProcessExitedError, RemoteError, TimeoutError } from '../errors.js';
import { release } from '../rpc/proxy.js';
import type { Remote } from '../rpc/types.js';
import type { NameEntry } from './names.js';

/** Options of a reconnecting proxy. */
export interface ReconnectOptions {
  /** How long a call waits for the name to be registered again, ms (default 10 000). */
  reconnectTimeout?: number;
  /** Called with the new entry each time the proxy moves to a new registration of its name. */
  onReconnect?: (entry: NameEntry) => void;
}

/** How a reconnecting proxy reaches the name server. */
export interface Resolver {
  /** The current entry and reference of the name (NotFoundError when there is none). */
  resolve(): Promise<{ entry: NameEntry; ref: Remote<unknown> }>;
  /** The current entry of the name, without a reference. */
  entry(): Promise<NameEntry>;
  /** A call that completes when the name stops holding registration `incarnation`; `cancel()` ends it. */
  watch(incarnation: string): PromiseLike<void> & { cancel(): void };
}

/** How long to wait between lookups of a name that is not registered again yet, ms. */
const RETRY_EVERY = 100;

type Target = { entry: NameEntry; ref: Remote<unknown> };

/** A typed NotFoundError from the RPC layer, not from remote code: a newer server instance refused the call before running it. */
function refusedByNewInstance(err: unknown): boolean {
  return err instanceof NotFoundError && !(err instanceof RemoteError) && /previous instance/.test(err.message);
}

function lost(err: unknown): boolean {
  return err instanceof DisconnectedError || err instanceof ProcessExitedError;
}

class Follower {
  #current: Target | undefined;
  #moving: Promise<Target> | undefined;
  #released = false;
  #gone: string | undefined;
  #watch: { cancel(): void } | undefined;

  constructor(
    readonly name: string,
    first: Target,
    private readonly resolver: Resolver,
    private readonly timeout: number,
    private readonly onReconnect: ((entry: NameEntry) => void) | undefined,
  ) {
    this.#adopt(first);
  }

  /** Makes `target` current, and has the name server say when its registration ends. */
  #adopt(target: Target): void {
    this.#current = target;
    const watch = this.resolver.watch(target.entry.incarnation);
    this.#watch = watch;
    // a watch that fails (the name server is gone) says nothing about the object: keep it
    watch.then(() => this.#drop(target), () => undefined);
  }

  #target(): Promise<Target> {
    if (this.#released) return Promise.reject(new NotFoundError(`the reconnecting proxy of ${JSON.stringify(this.name)} was released`));
    if (this.#current) return Promise.resolve(this.#current);
    return (this.#moving ??= this.#find().finally(() => (this.#moving = undefined)));
  }

  /** Looks the name up until it holds a registration other than the one that went away. */
  async #find(): Promise<Target> {
    const deadline = performance.now() + this.timeout;
    const gone = this.#gone;
    for (;;) {
      try {
        const found = await this.resolver.resolve();
        if (found.entry.incarnation !== gone) {
          this.#adopt(found);
          this.onReconnect?.(found.entry);
          return found;
        }
        release(found.ref as never);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      if (performance.now() + RETRY_EVERY > deadline) {
        throw new TimeoutError(`no new registration of ${JSON.stringify(this.name)} within ${this.timeout} ms after its object went away`);
      }
      await new Promise((r) => setTimeout(r, RETRY_EVERY));
    }
  }

  #drop(target: Target): void {
    if (this.#current !== target) return;
    this.#current = undefined;
    this.#watch?.cancel();
    this.#gone = target.entry.incarnation;
    release(target.ref as never);
  }

  /** Runs `op` on the current target; re-sends it once when a newer server instance refused it unrun. */
  async run(op: (ref: Remote<unknown>) => PromiseLike<unknown>): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const target = await this.#target();
      try {
        return await op(target.ref);
      } catch (err) {
        if (refusedByNewInstance(err)) {
          this.#drop(target);
          if (attempt === 0) continue;
        } else if (lost(err)) {
          this.#drop(target);
        } else if (err instanceof TimeoutError && (await this.#moved(target))) {
          this.#drop(target);
        }
        throw err;
      }
    }
  }

  /** Whether the name no longer holds `target`'s registration (its server may be gone without a word). */
  async #moved(target: Target): Promise<boolean> {
    try {
      return (await this.resolver.entry()).incarnation !== target.entry.incarnation;
    } catch {
      return true;
    }
  }

  release(): void {
    this.#released = true;
    this.#watch?.cancel();
    if (this.#current) release(this.#current.ref as never);
    this.#current = undefined;
  }

  describe(): string {
    return `[Remote by name ${JSON.stringify(this.name)}${this.#current ? ` @ ${this.#current.entry.address}` : ' (re-resolving)'}]`;
  }
}

function walk(ref: Remote<unknown>, path: readonly string[]): unknown {
  let p: unknown = ref;
  for (const key of path) p = (p as Record<string, unknown>)[key];
  return p;
}

function makeProxy(follower: Follower, path: readonly string[]): unknown {
  const target = function remote() {};
  Object.defineProperty(target, inspect.custom, { value: () => follower.describe() });
  const children = new Map<string, unknown>();
  return new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === 'symbol') {
        if (prop === Symbol.dispose) return () => follower.release();
        if (prop === inspect.custom || prop === Symbol.toPrimitive) return () => follower.describe();
        return undefined;
      }
      if (prop === 'then') {
        if (path.length === 0) return undefined;
        return (resolve: (v: unknown) => unknown, reject: (e: unknown) => unknown) =>
          follower.run((ref) => walk(ref, path) as PromiseLike<unknown>).then(resolve, reject);
      }
      let child = children.get(prop);
      if (!child) children.set(prop, (child = makeProxy(follower, [...path, prop])));
      return child;
    },
    apply(_t, _this, args) {
      return follower.run((ref) => (walk(ref, path) as (...a: unknown[]) => PromiseLike<unknown>)(...args));
    },
  });
}

/**
 * @internal A proxy for `name` that starts at `first` and follows the name as
 * {@link ReconnectOptions} and docs/CLUSTER.md say. Calls are `'sync'` (they return Promises);
 * `[Symbol.dispose]()` releases it.
 */
export function reconnecting<T>(name: string, first: Target, resolver: Resolver, options: ReconnectOptions): Remote<T> {
  const follower = new Follower(name, first, resolver, options.reconnectTimeout ?? 10_000, options.onReconnect);
  return makeProxy(follower, []) as Remote<T>;
}
