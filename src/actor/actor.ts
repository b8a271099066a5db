/**
 * The optional base class of actors: gives an instance its id, URL, host, a reference to
 * itself and a logger, from its constructor on. Plain classes can be actors too; they just do
 * without these.
 */
import type winston from 'winston';
import { InvalidArgumentError } from '../errors.js';
import type { ActorHost } from './host.js';
import type { ActorRef } from './types.js';

/** What the cell tells a new instance about itself. */
export interface ActorIdentity {
  readonly id: string;
  readonly host: ActorHost;
  readonly self: unknown;
  readonly url: string;
  readonly log: winston.Logger;
}

let constructing: ActorIdentity | undefined;

/** @internal Runs `make` (a `new Class(...)`) with `identity` available to the Actor constructor. */
export function constructAs<T>(identity: ActorIdentity, make: () => T): T {
  const outer = constructing;
  constructing = identity;
  try {
    return make();
  } finally {
    constructing = outer;
  }
}

/**
 * Base class of actors (optional). Declare messages on the class:
 * `static tell = ['echo'] as const` (fire-and-forget methods), `static parallel = [...] as const`
 * (may interleave at awaits), `static reentrant = true`, `static mailbox = { max }`,
 * `static onError = 'resume' | 'restart' | 'stop'`. Every other public method is an ask.
 */
export abstract class Actor {
  /** The id the actor was spawned with, unique in its host. */
  readonly id: string;
  /** The host the actor lives in (can be passed to other processes by reference). */
  readonly host: ActorHost;
  /**
   * A reference to this actor: messages sent through it go through its mailbox like anyone
   * else's (an ask made while serving a message is part of its chain, so it does not deadlock).
   * Tells through `self` are typed as asks; call them without awaiting.
   */
  readonly self: ActorRef<this>;
  readonly #identity: ActorIdentity;

  constructor() {
    const identity = constructing;
    if (!identity) throw new InvalidArgumentError('an Actor is created by host.spawn(id, Class, ...args), not with new');
    this.#identity = identity;
    this.id = identity.id;
    this.host = identity.host;
    this.self = identity.self as ActorRef<this>;
  }

  /** The actor's URL: its host's address and its id (`lookupUrl(url)` finds it). */
  get url(): string {
    return this.#identity.url;
  }

  /** A logger named after the actor (`actor:<id>`). */
  get log(): winston.Logger {
    return this.#identity.log;
  }

  /** Called once the actor is constructed, before its first message; may be async. */
  onStart?(): void | Promise<void>;
  /** Called when the actor stops, after its running messages finished; may be async. */
  onStop?(): void | Promise<void>;
}
