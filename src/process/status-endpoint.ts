/**
 * How `zeroproc ps` finds a running tree: the root of a tree (a script, not a spawned child)
 * serves its {@link StatusService} on a private ipc socket in its run directory
 * (`$XDG_RUNTIME_DIR` or the temp directory, `zeroproc-<uid>/r<pid>-*`/`ps-*.sock`), opened when
 * it gets its first child or actor host and closed when it has neither. The directory is 0700:
 * the kernel admits only this user (who could signal these processes anyway), so the socket
 * needs no key, and the service there may stop and restart children. The directory goes with
 * its process (removed at exit, or by the next zeroproc process of the user if it was killed),
 * and {@link findTrees} lists only the directories of live processes.
 */
import { basename, extname } from 'node:path';
import { report } from '../diagnostics.js';
import { doesNotNameProcess, getLocalServer } from '../rpc/local.js';
import { RPCServer } from '../rpc/server.js';
import { onStatusSourcesChanged } from '../status-sections.js';
import { liveEndpoints, privateEndpoint } from '../transport/private-dir.js';
import { hasStatusSources, isSpawnedChild, STATUS_NAME, StatusService } from './status.js';

/** The tag of status sockets in run directories (`ps-<random>.sock`). */
export const STATUS_SOCKET_TAG = 'ps';

let server: RPCServer | undefined;
/** Opening or closing under way: changes wait for it, so one endpoint at most is open. */
let busy: Promise<void> = Promise.resolve();
let treeName: string | undefined;

/**
 * Sets the name `zeroproc ps` shows for this process when it is the root of a tree. Default: the
 * script's file name without extension (`node` for a REPL).
 */
export function setTreeName(name: string): void {
  treeName = name;
}

function rootName(): string {
  if (treeName !== undefined) return treeName;
  const script = process.argv[1];
  return script ? basename(script, extname(script)) : 'node';
}

/** The address of this process's status socket while it serves one. */
export function statusEndpointAddress(): string | undefined {
  return server?.address;
}

function sync(): void {
  busy = busy.then(async () => {
    const wanted = !isSpawnedChild() && hasStatusSources();
    if (wanted && !server) server = await open();
    else if (!wanted && server) {
      const closing = server;
      server = undefined;
      await closing.close();
    }
  }).catch((err: unknown) => report('warn', 'zeroproc ps: the status socket of this process could not be opened or closed', err));
}

async function open(): Promise<RPCServer> {
  // closes with the script's other idle links; never what keeps the script running
  const started = await RPCServer.start({ address: privateEndpoint(STATUS_SOCKET_TAG), name: `ps-${process.pid}`, control: 'nobody', closeWhenIdle: true });
  doesNotNameProcess(started);
  started.publish(STATUS_NAME, new StatusService(() => ({ name: rootName(), address: getLocalServer()?.advertisedAddress ?? null })));
  void started.closed.then(() => {
    if (server === started) server = undefined;
  });
  return started;
}

onStatusSourcesChanged(sync);

/** A running tree found by {@link findTrees}. */
export interface FoundTree {
  /** The pid of its root. */
  pid: number;
  /** Its status socket. */
  address: string;
}

/** The trees of this user's live processes that serve a status socket, oldest pid first. */
export function findTrees(): FoundTree[] {
  return liveEndpoints(STATUS_SOCKET_TAG).sort((a, b) => a.pid - b.pid);
}
