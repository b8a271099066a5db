/**
 * What a requester gets back from `daemon.spawnProcess()`: a reference to this wrapper, living in
 * the daemon, around the daemon's handle of the child. It offers what a remote owner needs and
 * nothing of the handle's insides (its key, its owner token, its RPC client).
 */
import { connectHost } from '../actor/host.js';
import type { HostRef } from '../actor/types.js';
import type { ExitInfo } from '../errors.js';
import type { ProcessHandle, ProcessState, StopOptions } from '../process/handle.js';
import type { Remote } from '../rpc/types.js';

/** A child process of a host daemon, used from another machine through a reference. */
export class RemoteProcess {
  readonly #handle: ProcessHandle;

  /** @internal Made by the daemon. */
  constructor(handle: ProcessHandle) {
    this.#handle = handle;
  }

  /** The child's name (unique among the daemon's live children). */
  get name(): string {
    return this.#handle.name;
  }

  /** The child's pid on the daemon's machine. */
  get pid(): number {
    return this.#handle.pid;
  }

  /** The address of the child's RPC server, reachable from other machines. */
  get address(): string {
    return this.#handle.address;
  }

  /** `running`, `restarting`, `stopping` or `finished`. */
  get state(): ProcessState {
    return this.#handle.state;
  }

  /** How many times the child was restarted by its restart policy. */
  get restarts(): number {
    return this.#handle.restarts;
  }

  /**
   * Imports `specifier` in the child (under the daemon's allow-list) and returns a reference to
   * the module; calls through it go straight to the child, not through the daemon.
   */
  import<T = unknown>(specifier: string): Promise<Remote<T>> {
    return this.#handle.import<T>(specifier);
  }

  /**
   * The child's actor host (created on first use): `spawn` actors in the child by module
   * specifier (under the daemon's allow-list), one process per actor as in uActor.
   */
  host(): Promise<HostRef> {
    return connectHost(this.#handle);
  }

  /** Stops the child gracefully (SIGTERM, then SIGKILL after the grace period); resolves with its exit. */
  stop(options?: StopOptions): Promise<ExitInfo> {
    return this.#handle.stop(options);
  }

  /** Kills the child (SIGKILL unless another signal is given); resolves with its exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo> {
    return this.#handle.kill(signal);
  }

  /** Resolves with the child's exit once it has ended for good. */
  wait(): Promise<ExitInfo> {
    return this.#handle.wait();
  }
}
