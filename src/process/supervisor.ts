/**
 * A small pool: N named children started with the same options and a restart policy, handed out
 * round-robin by `pick()`.
 */
import { InvalidArgumentError, NotFoundError, type ExitInfo } from '../errors.js';
import type { ProcessHandle, StopOptions } from './handle.js';
import type { SpawnOptions } from './options.js';
import { spawn } from './spawner.js';

/** Options of {@link Supervisor.start}: those of `spawn()` for every child, plus the pool's. */
export interface SupervisorOptions extends Omit<SpawnOptions, 'name'> {
  /** Number of children. */
  size: number;
  /** Children are named `NAME-0`, `NAME-1`, ... Default `worker`. */
  name?: string;
}

/**
 * N children under one restart policy (`'on-failure'` unless `restart` names another).
 * `await using` stops them all.
 */
export class Supervisor implements AsyncDisposable {
  /** The children, in start order; each keeps its handle across restarts. */
  readonly handles: readonly ProcessHandle[];
  private cursor = 0;

  private constructor(handles: ProcessHandle[]) {
    this.handles = handles;
  }

  /** Starts all children in parallel; if any fails to start, stops the others and rejects. */
  static async start(opts: SupervisorOptions): Promise<Supervisor> {
    const { size, name = 'worker', ...common } = opts;
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`Supervisor size must be a positive integer, got ${size}`);
    const restart = typeof common.restart === 'string' ? common.restart : { policy: 'on-failure' as const, ...common.restart };
    const spawnOpts: SpawnOptions = { ...common, restart };
    const started = await Promise.allSettled(Array.from({ length: size }, (_, i) => spawn({ ...spawnOpts, name: `${name}-${i}` })));
    const handles = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all(handles.map((h) => h.kill()));
      throw failure.reason;
    }
    return new Supervisor(handles);
  }

  /** Number of children. */
  get size(): number {
    return this.handles.length;
  }

  /** The child with this name, if any. */
  get(name: string): ProcessHandle | undefined {
    return this.handles.find((h) => h.name === name);
  }

  /**
   * The next child in round-robin order. Running children come first; when none runs, a
   * restarting one (its `import()` waits for the new child). Throws {@link NotFoundError} when
   * every child is stopped or gave up.
   */
  pick(): ProcessHandle {
    const n = this.handles.length;
    for (const wanted of ['running', 'restarting'] as const) {
      for (let i = 0; i < n; i++) {
        const index = (this.cursor + i) % n;
        if (this.handles[index]!.state === wanted) {
          this.cursor = (index + 1) % n;
          return this.handles[index]!;
        }
      }
    }
    throw new NotFoundError(`no child of the pool is running (${this.handles.map((h) => `${h.name}: ${h.state}`).join(', ')})`);
  }

  /** Stops every child (see `ProcessHandle.stop`); resolves with their exit statuses. */
  stop(options?: StopOptions): Promise<ExitInfo[]> {
    return Promise.all(this.handles.map((h) => h.stop(options)));
  }

  /** Stops every child. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
