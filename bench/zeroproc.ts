/**
 * What the zeroproc cases share: starting a child (and never leaving it behind), importing a
 * bench module in it, and knowing which bootstrap the child runs.
 *
 * The cases import the compiled library's modules (dist/src/process/spawner.js and friends), as a
 * program loads the installed package: under tsx, the sources pay for a naming helper tsx wraps
 * around every closure they create (0.15 us and an allocation per pipelined call in the caller's
 * profile). They import modules rather than dist/src/index.js, so they depend only on those.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { planLaunch } from '../dist/src/process/launch-plan.js';
import { spawn } from '../dist/src/process/spawner.js';
import type { ProcessHandle } from '../dist/src/process/handle.js';
import type { SpawnOptions } from '../dist/src/process/options.js';
import type { Remote } from '../dist/src/rpc/types.js';
import { peerScript, type Fixture } from './harness.js';

export type { ProcessHandle, Remote };
export { spawn };

/** Typed module namespaces of the bench modules a zeroproc child imports. */
export type Target = typeof import('./peers/zp-target.mjs');
export type TsTarget = typeof import('./peers/zp-target.js');
export type Logger = typeof import('./peers/zp-logger.mjs');

let warned = false;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Warns (once) when the build is older than src/ or children/: the cases import the compiled
 * library and children run `dist/children/bootstrap.js`, so both would run the last build, not
 * the current sources (run `npm run build`). Without a build nothing here loads at all.
 */
export function checkCompiledChild(): void {
  const { entry } = planLaunch('auto');
  const root = join(dirname(entry), '..', '..');
  const newest = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'children')));
  if (statSync(entry).mtimeMs < newest && !warned) {
    warned = true;
    process.stderr.write(`warning: ${entry} is older than the sources: the cases run the last build. Run \`npm run build\` first.\n`);
  }
}

let children = 0;

/** Spawns a child named after the case; the bench's children are told apart by a counter. */
export function spawnBench(label: string, options: SpawnOptions = {}): Promise<ProcessHandle> {
  return spawn({ name: `bench-${label}-${++children}`, ...options });
}

/**
 * Ends a child at once (SIGKILL) and waits for its exit. Never throws: closing a fixture must
 * not hide the error that made a case fail.
 */
export async function killQuietly(proc: ProcessHandle | undefined): Promise<void> {
  if (!proc) return;
  try {
    await proc.kill();
  } catch (error) {
    process.stderr.write(`warning: could not kill child ${proc.pid}: ${String(error)}\n`);
  }
}

/**
 * Opens a fixture around one child that has imported a bench module: `open` gets the child and
 * the module proxy and returns the sample function. The child is killed on close and on every
 * failure during setup.
 */
export async function childFixture<T>(
  label: string,
  module: string,
  open: (proc: ProcessHandle, mod: Remote<T>) => Promise<() => Promise<number>> | (() => Promise<number>),
  options: SpawnOptions = {},
): Promise<Fixture> {
  checkCompiledChild();
  let proc: ProcessHandle | undefined;
  try {
    proc = await spawnBench(label, options);
    const mod = await proc.import<T>(peerScript(module));
    const sample = await open(proc, mod);
    const owned = proc;
    return { sample, close: () => killQuietly(owned) };
  } catch (error) {
    await killQuietly(proc);
    throw error;
  }
}

/** Rejects with a clear error if `promise` does not settle within `ms` (a hang must not stall the run). */
export async function within<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve(promise), expired]);
  } finally {
    clearTimeout(timer);
  }
}
