/**
 * One reference this process holds on a remote object: what a proxy points at. Every proxy made
 * from it (attribute paths, `withOptions` copies) shares it; releasing any of them releases it.
 */
import { NotFoundError } from '../errors.js';

import type { ResolvedCallOptions } from './options.js';
import type { TargetedRequest } from './messages.js';

/** A request about a referenced object, before the client gives it an id. */
export type ObjectRequest = TargetedRequest extends infer R ? (R extends TargetedRequest ? Omit<R, 'id'> : never) : never;

/** The client that serves a reference: where its requests and releases go. */
export interface RefClient {
  /** Queues the release of `count` references on object `obj` (batched per tick). */
  queueRelease(obj: string, count: number): void;
  /** Sends a request about `ref`'s object; returns a Promise, a Future or nothing, by `options.mode`. */
  request(ref: RemoteRef, request: ObjectRequest, options: ResolvedCallOptions): unknown;
  /** A ticket that lets a third process (`recipient`, see `recipientOf`) take over a reference to `ref`'s object. */
  requestTicket(ref: RemoteRef, recipient: string): Promise<string>;
  readonly address: string;
}

const NO_METHODS: readonly string[] = Object.freeze([]);

/** A held reference on object `obj` of server `server`. */
export class RemoteRef {
  released = false;

  constructor(
    readonly client: RefClient,
    /** Id of the owning server instance. */
    readonly server: string,
    readonly obj: string,
    readonly callable: boolean,
    readonly name: string,
    /** Methods of the object that never answer (its server declared them oneway): always sent `'off'`. */
    readonly oneway: readonly string[] = NO_METHODS,
  ) {
    finalizerOf(client).register(this, obj, this);
  }

  /**
   * Set by whoever made the reference when it owns what it points at (`spawnActor`: the actor's
   * process); `await using` calls it. Plain references have none.
   */
  dispose: (() => Promise<void>) | undefined;

  /** Gives the reference back to its owner; later use fails with NotFoundError. */
  release(): void {
    if (this.released) return;
    this.released = true;
    finalizerOf(this.client).unregister(this);
    this.client.queueRelease(this.obj, 1);
  }

  /** The error for using the reference after its release. */
  releasedError(): NotFoundError {
    return new NotFoundError(`proxy to ${this.describe()} was released`);
  }

  /** `Counter 3q2-…` at `address`, for messages. */
  describe(): string {
    return `${this.name || 'object'} ${this.obj} at ${this.client.address}`;
  }

  /** Throws when the reference was released. */
  check(): void {
    if (this.released) throw this.releasedError();
  }
}

// The backstop for proxies the program forgot: a reference nobody can reach any more is
// released. Pending calls keep their RemoteRef reachable, so it is never released mid-call. One
// registry per client, so what it keeps per reference is the object id alone.
const finalizers = new WeakMap<RefClient, FinalizationRegistry<string>>();

function finalizerOf(client: RefClient): FinalizationRegistry<string> {
  let registry = finalizers.get(client);
  if (!registry) finalizers.set(client, (registry = new FinalizationRegistry<string>((obj) => client.queueRelease(obj, 1))));
  return registry;
}
