/**
 * Child side: end the child when its parent dies, however the parent died (even SIGKILL, which
 * runs no handler in the parent). The IPC channel to the parent closes when the parent's process
 * ends, and the child sees `disconnect`; that needs the child's event loop to turn, so an
 * optional watchdog thread covers a main thread stuck in a busy loop.
 */
import { createRequire } from 'node:module';

// CommonJS source for the watchdog thread: a reparented process has a new ppid.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL');
}, workerData.interval);
`;

/** How often the watchdog thread checks the parent, in ms. */
const WATCHDOG_INTERVAL = 250;

/** Options of {@link watchParent}. */
export interface ParentWatchOptions {
  /** Start the watchdog thread as well. */
  watchdog: boolean;
  /** Called once when the parent is gone; expected to end the process. */
  onParentGone: () => void;
}

/**
 * Arms the parent-death detection. The IPC channel is unreferenced so that it alone never keeps
 * the child alive (the child lives while its server does).
 */
export function watchParent(options: ParentWatchOptions): void {
  // a parent that died while this child was starting (its server, its preloads) closed the
  // channel before anyone listened: that 'disconnect' is gone, only `connected` tells
  if (!process.connected) {
    options.onParentGone();
    return;
  }
  process.once('disconnect', options.onParentGone);
  process.channel?.unref();
  if (options.watchdog) {
    // loaded only here: node:worker_threads costs ~2.5 ms of start-up that most children never use
    const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: { ppid: process.ppid, interval: WATCHDOG_INTERVAL },
      stdout: false,
      stderr: false,
    });
    worker.unref();
  }
}
