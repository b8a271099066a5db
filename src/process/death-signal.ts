/**
 * Parent side: how an attached child dies with its parent in every state, busy in a loop, stopped
 * (SIGSTOP) or still starting. Node cannot set PR_SET_PDEATHSIG on a child itself; util-linux's
 * `setpriv --pdeathsig KILL -- node ...` sets it and then execs node (same pid, and the setting
 * survives exec), so the kernel sends SIGKILL the moment the parent goes, whatever the child does.
 *
 * The kernel sends it when the THREAD that forked the child exits, not the process. Node forks
 * from the thread that calls `spawn()`: the main thread lives as long as the process, a worker
 * thread may end long before it, so a worker gets no death signal for its children. A detached
 * child is meant to outlive its parent and never gets one.
 *
 * Where setpriv is missing (or too old for --pdeathsig), children fall back on the IPC channel's
 * `disconnect` plus a watchdog thread (on by default then), which cover an idle and a busy child
 * but not a stopped one.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Set to `off` to start children without setpriv (for measurements, and to test the fallback). Read by the parent. */
export const PDEATHSIG_ENV = 'ZEROPROC_PDEATHSIG';

let probe: Promise<string | undefined> | undefined;

function findSetpriv(): string | undefined {
  const dirs = ['/usr/bin', '/bin', ...(process.env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/'))];
  for (const dir of dirs) {
    const path = join(dir, 'setpriv');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Resolves with setpriv's path when it runs with --pdeathsig here; tried once per process. */
function probeSetpriv(): Promise<string | undefined> {
  const path = findSetpriv();
  if (path === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(path, ['--pdeathsig', 'KILL', '--', path, '--version'], { timeout: 5000 }, (error) => resolve(error ? undefined : path));
  });
}

/**
 * The command line prefix that gives a child started from here SIGKILL when this thread dies, or
 * `undefined` when there is none (no usable setpriv, a worker thread, or `ZEROPROC_PDEATHSIG=off`).
 */
export async function deathSignalPrefix(): Promise<string[] | undefined> {
  if (!isMainThread || process.env[PDEATHSIG_ENV] === 'off') return undefined;
  probe ??= probeSetpriv();
  const setpriv = await probe;
  return setpriv === undefined ? undefined : [setpriv, '--pdeathsig', 'KILL', '--'];
}
