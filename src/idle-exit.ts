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

/**
 * When an entry closes, among the others: children are stopped first (they may still log and
 * call back), then clients and the callback server, then the log server, which takes their last
 * records.
 */
export const IDLE_ORDER = { children: 0, links: 1, logs: 2 } as const;

/** One thing zeroproc holds open on behalf of the script. */
export interface IdleEntry {
  /** Whether somebody is waiting on it (a pending call, a stop in progress...). */
  busy(): boolean;
  /** Closes it; called once, when the whole process is idle. */
  close(): unknown;
  /** Its turn among the entries that close ({@link IDLE_ORDER}); entries of one turn close together. */
  order: number;
}

const entries = new Set<IdleEntry>();
let timer: NodeJS.Timeout | undefined;
let holds = 0;

/**
 * How many things keep the loop alive besides zeroproc's sockets; replaced in unit tests. The
 * process's own stdio pipes are listed as active, but an idle one holds nothing (a script that
 * only writes to a piped stdout ends): they are not counted, stdin only while it is not read.
 */
let activeResources: () => number = () => process.getActiveResourcesInfo().length - idleStdio();

type HandleInfo = { _handle?: { fd?: unknown; reading?: unknown } | null };

function idleStdio(): number {
  const handles = (process as unknown as { _getActiveHandles?: () => HandleInfo[] })._getActiveHandles?.() ?? [];
  let n = 0;
  for (const h of handles) {
    const fd = h._handle?.fd;
    if (fd === 1 || fd === 2 || (fd === 0 && h._handle?.reading !== true)) n++;
  }
  return n;
}

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

/** @internal Replaces the count of the process's other active resources (tests); undefined restores it. */
export function setActiveResourcesProbe(probe: (() => number) | undefined): void {
  activeResources = probe ?? (() => process.getActiveResourcesInfo().length - idleStdio());
}

function check(): void {
  if (holds > 0 || entries.size === 0) return;
  for (const e of entries) if (e.busy()) return;
  if (activeResources() > 0) return;
  const closing = [...entries].sort((a, b) => a.order - b.order);
  entries.clear();
  stop();
  void closeInTurn(closing);
}

/** Closes each turn's entries together, the next turn once those have closed. */
async function closeInTurn(closing: IdleEntry[]): Promise<void> {
  while (closing.length > 0) {
    const turn = closing.filter((e) => e.order === closing[0]!.order);
    closing.splice(0, turn.length);
    await Promise.all(turn.map(closeOne));
  }
}

async function closeOne(entry: IdleEntry): Promise<void> {
  try {
    await entry.close();
  } catch (err) {
    report('warn', 'closing an idle zeroproc resource failed', err);
  }
}
