/**
 * Lets a script end when its own work is done. zeromq.js sockets cannot be unref'd: a socket
 * waiting to receive keeps the event loop alive for ever, so a script that spawned a child or
 * connected a client would never end. Instead, what zeroproc opens only to serve the script
 * (clients, the callback server, spawned children, a log server) registers here with a probe
 * saying whether somebody is waiting on it and a `close`. While anything is registered, an
 * unref'd timer looks at the process every {@link IDLE_CHECK_MS}: when nothing outside zeroproc
 * keeps the loop alive (`process.getActiveResourcesInfo()` lists no timer, socket, file request
 * or child that Node counts, and zeroproc's own sockets are not listed there) and no probe is
 * busy, no code of the script can run again, so everything registered is closed and the process
 * ends as any idle Node script does.
 *
 * Things that must keep a process alive on purpose (a server the user started, a child's own
 * server, a `wait()` on a child) simply do not register, or report busy while they hold it.
 */
import { report } from './diagnostics.js';

/** How often an idle process is looked for, in ms: the longest an idle script lingers. */
export const IDLE_CHECK_MS = 100;

/** One thing zeroproc holds open on behalf of the script. */
export interface IdleEntry {
  /** Whether somebody is waiting on it (a pending call, a stop in progress...). */
  busy(): boolean;
  /** Closes it; called once, when the whole process is idle. */
  close(): unknown;
}

const entries = new Set<IdleEntry>();
let timer: NodeJS.Timeout | undefined;
let holds = 0;

/** What keeps the loop alive besides zeroproc's sockets; replaced in unit tests. */
let activeResources: () => readonly string[] = () => process.getActiveResourcesInfo();

/**
 * Registers `entry`; returns the function that unregisters it (call it when the entry closes
 * by other means).
 */
export function closeWhenIdle(entry: IdleEntry): () => void {
  entries.add(entry);
  timer ??= setInterval(check, IDLE_CHECK_MS).unref();
  return () => {
    entries.delete(entry);
    if (entries.size === 0) stop();
  };
}

/**
 * Marks the process as having work that zeroproc's sockets serve although nothing Node counts is
 * pending (a user's own server, a wait() on a child): nothing registered is closed until the
 * returned function is called.
 */
export function holdOpen(): () => void {
  holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds--;
  };
}

function stop(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
}

/** @internal Runs one check now (tests). */
export function checkIdle(): void {
  check();
}

/** @internal Replaces the view of the process's active resources (tests); undefined restores it. */
export function setActiveResourcesProbe(probe: (() => readonly string[]) | undefined): void {
  activeResources = probe ?? (() => process.getActiveResourcesInfo());
}

function check(): void {
  if (holds > 0 || entries.size === 0) return;
  for (const e of entries) if (e.busy()) return;
  if (activeResources().length > 0) return;
  const closing = [...entries];
  entries.clear();
  stop();
  for (const e of closing) {
    try {
      const done = e.close();
      if (done instanceof Promise) done.catch((err: unknown) => report('warn', 'closing an idle zeroproc resource failed', err));
    } catch (err) {
      report('warn', 'closing an idle zeroproc resource failed', err);
    }
  }
}
