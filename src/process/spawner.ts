/**
 * The entry point for starting children: `ProcessSpawner.spawn(opts)` (or `spawn(opts)`) starts
 * a child running `children/bootstrap`, waits until its RPC server answers, and resolves with a
 * {@link ProcessHandle}.
 */
import { getDefaultAuthkey } from '../rpc/local.js';
import { removeOwnEndpoint } from '../transport/private-dir.js';
import { ChildRun } from './child-run.js';
import { ProcessHandle } from './handle.js';
import { resolveSpawnOptions, type SpawnOptions } from './options.js';
import { getLogAddress } from './output-sink.js';
// a script with children (or actors) serves its tree's status to `zeroproc ps` from then on
import './status-endpoint.js';

/** Starts child processes that each run an RPC server. */
export class ProcessSpawner {
  /**
   * Starts a child and resolves once its server answers. Rejects with `SpawnError` (carrying the
   * child's own message and stack) when it fails to start within `startTimeout`, and with
   * `InvalidArgumentError` for bad options.
   *
   * ```ts
   * const proc = await ProcessSpawner.spawn({ name: 'worker-1' });
   * const os = await proc.import<typeof import('node:os')>('node:os');
   * console.log(await os.hostname());
   * await proc.stop();
   * ```
   */
  static async spawn(opts: SpawnOptions = {}): Promise<ProcessHandle> {
    const resolved = resolveSpawnOptions(opts, {
      // the process default key (random per run unless set), so servers this process starts
      // later (to serve callbacks) accept the children's calls too
      authkey: opts.authkey ?? getDefaultAuthkey(),
      logServer: getLogAddress(),
    });
    let first: ChildRun;
    try {
      first = await ChildRun.start(resolved);
    } catch (error) {
      // no handle will end this child: what was made for a detached one's socket goes now
      if (resolved.detached) removeOwnEndpoint(resolved.address);
      throw error;
    }
    return new ProcessHandle(resolved, first);
  }
}

/** Same as {@link ProcessSpawner.spawn}. */
export function spawn(opts: SpawnOptions = {}): Promise<ProcessHandle> {
  return ProcessSpawner.spawn(opts);
}
