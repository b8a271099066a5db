/**
 * The entry point for starting children: `ProcessSpawner.spawn(opts)` (or `spawn(opts)`) starts
 * a child running `children/bootstrap`, waits until its RPC server answers, and resolves with a
 * {@link ProcessHandle}.
 */
import { randomBytes } from 'node:crypto';
import { getDefaultAuthkey, setDefaultAuthkey } from '../rpc/local.js';
import { ChildRun } from './child-run.js';
import { ProcessHandle } from './handle.js';
import { resolveSpawnOptions, type SpawnOptions } from './options.js';
import { getLogAddress } from './output-sink.js';

/**
 * The key children get when `spawn()` is given none: the process-wide default key if one is set,
 * else a random 32-byte key made once per parent run and set as that default, so servers this
 * process starts later (to serve callbacks) accept the children's calls too.
 */
function defaultAuthkey(): Uint8Array {
  let key = getDefaultAuthkey();
  if (!key) {
    key = new Uint8Array(randomBytes(32));
    setDefaultAuthkey(key);
  }
  return key;
}

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
      authkey: opts.authkey ?? defaultAuthkey(),
      logServer: getLogAddress(),
    });
    const first = await ChildRun.start(resolved);
    return new ProcessHandle(resolved, first);
  }
}

/** Same as {@link ProcessSpawner.spawn}. */
export function spawn(opts: SpawnOptions = {}): Promise<ProcessHandle> {
  return ProcessSpawner.spawn(opts);
}
