/**
 * One process per actor (uActor): a child that hosts a single actor. The process that spawned
 * it owns it and alone may end it; the reference itself can go anywhere. The only actor file
 * that imports the process layer.
 */
import { InvalidArgumentError, NotOwnerError } from '../errors.js';
import type { ProcessHandle } from '../process/handle.js';
import type { RestartOptions, RestartPolicyName } from '../process/restart-policy.js';
import { spawn } from '../process/spawner.js';
import { proxyState, release } from '../rpc/proxy.js';
import type { RemoteRef } from '../rpc/remote-ref.js';
import type { AnyRemote } from '../rpc/types.js';
import type { Authkey } from '../wire/authkey.js';
import { connectHost } from './host.js';
import type { ActorClass, OwnedRef } from './types.js';

/** Options of {@link spawnActor}. */
export interface SpawnActorOptions {
  /** Constructor arguments. */
  args?: unknown[];
  /** The actor's id and its process's name. Default: the export's name. */
  name?: string;
  /** Address the child's server binds (`tcp://0.0.0.0:*` to be reached from other machines, with `authkey`). */
  address?: string;
  /** Key of the child's server. Default: the spawner's per-run key. */
  authkey?: Authkey;
  /**
   * Restart policy of the process. After a restart the actor is spawned again from the same
   * arguments, in a new process: references to the old one fail; look it up again.
   */
  restart?: RestartPolicyName | RestartOptions;
}

const SPAWN_ACTOR_KEYS = new Set(['args', 'name', 'address', 'authkey', 'restart']);

/** Process of each actor this process spawned, by reference. */
const owned = new WeakMap<RemoteRef, ProcessHandle>();

/**
 * Starts a child process hosting one actor, `'module#Export'` (`#default` when left out), and
 * returns its reference. This process owns the child: `await using ref = await spawnActor(...)`
 * or `shutdown(ref)` ends it; other processes can use the reference, not end it.
 */
export async function spawnActor<C extends ActorClass = ActorClass>(specifier: string, options: SpawnActorOptions = {}): Promise<OwnedRef<C>> {
  if (typeof specifier !== 'string' || specifier.length === 0) throw new InvalidArgumentError(`spawnActor: \`specifier\` must be 'module#Export', got ${JSON.stringify(specifier)}`);
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`spawnActor: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) if (!SPAWN_ACTOR_KEYS.has(key)) throw new InvalidArgumentError(`spawnActor: unknown option ${JSON.stringify(key)}`);
  const args = options.args ?? [];
  if (!Array.isArray(args)) throw new InvalidArgumentError(`spawnActor: option \`args\` must be an array, got ${typeof args}`);
  const hash = specifier.lastIndexOf('#');
  const id = options.name ?? (hash < 0 ? 'actor' : specifier.slice(hash + 1));
  if (typeof id !== 'string' || id.length === 0 || id.includes('/')) throw new InvalidArgumentError(`spawnActor: option \`name\` must be a non-empty string without "/", got ${JSON.stringify(id)}`);
  const proc = await spawn({
    name: id,
    ...(options.address !== undefined && { address: options.address }),
    ...(options.authkey !== undefined && { authkey: options.authkey }),
    ...(options.restart !== undefined && { restart: options.restart }),
    onRestart: async (handle) => {
      const host = await connectHost(handle);
      release(await host.spawn(id, specifier, ...args));
      release(host);
    },
  });
  try {
    const host = await connectHost(proc);
    const ref = await host.spawn<C>(id, specifier, ...args);
    release(host);
    const reference = proxyState(ref)!.ref;
    owned.set(reference, proc);
    reference.dispose = () => shutdown(ref);
    return ref as OwnedRef<C>;
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

/**
 * Ends the process of an actor this process spawned with {@link spawnActor} (gracefully: its
 * actor's `onStop` runs). NotOwnerError for any other reference.
 */
export async function shutdown(ref: AnyRemote): Promise<void> {
  const reference = proxyState(ref)?.ref;
  const proc = reference && owned.get(reference);
  if (!proc) throw new NotOwnerError('shutdown: this process did not spawn that actor (only the process that called spawnActor can end it)');
  owned.delete(reference);
  try {
    // the actor stops first, so its onStop runs before its process ends
    const host = await connectHost(proc);
    await host.shutdown();
    release(host);
  } finally {
    await proc.stop();
  }
}
