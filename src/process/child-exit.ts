/**
 * Noticing that a child ended, and turning that into the error every call to it gets. The exit
 * is reported once the child's stderr is read to its end (bounded: a grandchild holding the
 * pipe open must not delay the report), so the error quotes the child's last words.
 */
import type { ChildProcess } from 'node:child_process';
import { ProcessExitedError, type ExitInfo } from '../errors.js';

/** How long to wait after the exit for the rest of the child's stderr, in ms. */
const STDERR_DRAIN_MS = 100;

/** How a child ended: its status and last stderr lines. */
export interface ChildEnd {
  exit: ExitInfo;
  stderrTail: string[];
}

/**
 * Settles when `child` ended (a child that was never created is the spawner's failure, not an
 * end). `outputEnded` settles when its stdout and stderr closed;
 * `stderrTail` reads the last stderr lines at that moment.
 */
export function watchExit(child: ChildProcess, outputEnded: Promise<void>, stderrTail: () => string[]): Promise<ChildEnd> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      let timer: NodeJS.Timeout | undefined;
      const drained = new Promise<void>((done) => {
        timer = setTimeout(done, STDERR_DRAIN_MS);
      });
      void Promise.race([outputEnded, drained]).then(() => {
        clearTimeout(timer);
        resolve({ exit: { code, signal }, stderrTail: stderrTail() });
      });
    });
  });
}

/** The error calls to an exited child fail with. */
export function exitError(name: string, pid: number | undefined, end: ChildEnd): ProcessExitedError {
  return new ProcessExitedError(name, pid, end.exit, end.stderrTail);
}
