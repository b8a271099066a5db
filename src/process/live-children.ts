/**
 * Every attached child this process started, so none outlives it: when the parent exits
 * (normally, by `process.exit()`, or after an uncaught exception), each is signalled
 * synchronously from the `exit` event. A parent killed by a signal it does not handle (SIGTERM
 * as well as SIGKILL) runs no handler at all; then the children learn it from their death signal
 * (Linux, death-signal.ts), from the closed IPC channel, or, with a busy main thread and no
 * death signal, from their watchdog thread (parent-watch.ts).
 */

const live = new Set<number>();
let armed = false;

function killAll(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Records a child to be killed when this process exits. */
export function trackChild(pid: number): void {
  if (!armed) {
    process.on('exit', killAll);
    armed = true;
  }
  live.add(pid);
}

/** Forgets a child that exited (its pid may be reused by an unrelated process). */
export function untrackChild(pid: number): void {
  live.delete(pid);
}
