/**
 * Directories for ipc sockets that only this user can reach. Connecting to a unix socket needs
 * search permission on every directory of its path, so a socket inside a 0700 directory owned by
 * this uid can be reached only by processes of this uid (and root): the kernel authenticates the
 * connection, and a link there needs neither CURVE nor a per-message MAC (docs/PROTOCOL.md,
 * "Threat model").
 */
import { randomBytes } from 'node:crypto';
import { type Dirent, lstatSync, mkdirSync, chmodSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** Longest path libzmq accepts for an ipc endpoint (sockaddr_un.sun_path less its NUL). */
const MAX_IPC_PATH = 107;

let runDir: string | undefined;
/** The process that started this detached child and may start the next one in the same directory. */
let restartingParent: number | undefined;

function uid(): number {
  return process.getuid?.() ?? -1;
}

/**
 * This user's zeroproc directory under `base` (`$XDG_RUNTIME_DIR` or the temp directory),
 * created 0700. One that exists must be a real directory owned by this uid; a looser mode is
 * tightened, anything else is refused (another user could have planted it to watch our sockets).
 */
function userDir(): string {
  const base = process.env.XDG_RUNTIME_DIR || tmpdir();
  const dir = join(base, `zeroproc-${uid()}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid()) {
    throw new InvalidArgumentError(`${dir} is not a directory owned by this user (uid ${uid()}): refusing to put sockets in it`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/**
 * This process's private run directory (created on first use, 0700, named after this pid). It
 * holds the sockets of this process and of its attached children, which end with it, so it is
 * removed whole at exit; the directories of processes that were killed (no exit handler runs)
 * are removed by the next process of this user that makes one.
 */
export function privateRunDir(): string {
  if (runDir) return runDir;
  const base = userDir();
  removeDeadRunDirs(base);
  const dir = mkdtempSync(join(base, `r${process.pid}-`));
  chmodSync(dir, 0o700);
  runDir = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The `ipc://` endpoints named `tag-*.sock` (see {@link privateEndpoint}) in the run directories
 * of this user's live processes, with the pid of each; the directories of processes that are
 * gone are removed on the way, so a dead process is never listed.
 */
export function liveEndpoints(tag: string): Array<{ pid: number; address: string }> {
  const base = userDir();
  removeDeadRunDirs(base);
  const found: Array<{ pid: number; address: string }> = [];
  for (const name of readdirSync(base)) {
    const pid = /^r(\d+)-/.exec(name)?.[1];
    if (pid === undefined) continue;
    const dir = join(base, name);
    let files: Dirent[];
    try {
      files = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // its process ended meanwhile and removed it
    }
    for (const file of files) {
      if (file.isSocket() && file.name.startsWith(`${tag}-`) && file.name.endsWith('.sock')) found.push({ pid: Number(pid), address: `ipc://${join(dir, file.name)}` });
    }
  }
  return found;
}

/** Removes the run directories under `base` whose process is gone. */
function removeDeadRunDirs(base: string): void {
  for (const name of readdirSync(base)) {
    const pid = /^r(\d+)-/.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(join(base, name), { recursive: true, force: true });
  }
}

/** Whether process `pid` exists (another user's counts: only ESRCH means gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, another user's (a reused pid); only ESRCH means gone
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A fresh `ipc://` endpoint in this process's private run directory, or, for something that
 * outlives this process (a detached child), in a private directory of its own. `tag` (letters,
 * digits, `-`) names what binds it, for a reader of `ls`; a random suffix keeps endpoints apart.
 */
export function privateEndpoint(tag: string, options: { outlivesProcess?: boolean } = {}): string {
  const safe = tag.replace(/[^A-Za-z0-9-]/g, '').slice(0, 24) || 'zp';
  const dir = options.outlivesProcess ? ownDir() : privateRunDir();
  return endpointAt(join(dir, `${safe}-${randomBytes(6).toString('hex')}.sock`));
}

function endpointAt(path: string): string {
  if (path.length > MAX_IPC_PATH) {
    throw new InvalidArgumentError(`private socket path ${path} is longer than ${MAX_IPC_PATH} bytes: set XDG_RUNTIME_DIR or TMPDIR to a shorter directory`);
  }
  return `ipc://${path}`;
}

/**
 * The fixed `ipc://` endpoint `file` in this user's private directory: where a service of this
 * user that every one of its processes must find without being told (the name server) binds.
 */
export function userEndpoint(file: string): string {
  return endpointAt(join(userDir(), file));
}

/** What `mkdtempSync` names a directory made by {@link ownDir}: `d` and six random characters. */
const OWN_DIR = /^d[A-Za-z0-9]{6}$/;

/**
 * A private directory of its own (0700) for one endpoint, a detached child's: the handle of that
 * child removes it when the child ends for good ({@link removeOwnEndpoint}), or the child itself
 * if this process is gone by then ({@link releaseBoundEndpoint}).
 */
function ownDir(): string {
  const dir = mkdtempSync(join(userDir(), 'd'));
  chmodSync(dir, 0o700);
  return dir;
}

/** The directory {@link ownDir} made for the ipc endpoint `address`, or undefined for any other address. */
function ownDirOf(address: string): string | undefined {
  if (!address.startsWith('ipc://')) return undefined;
  const dir = dirname(address.slice('ipc://'.length));
  return OWN_DIR.test(basename(dir)) && basename(dirname(dir)) === `zeroproc-${uid()}` ? dir : undefined;
}

/** Removes the socket file that binding the ipc:// endpoint `address` left: neither zeromq.js nor libzmq does. */
function removeSocketFile(address: string): void {
  if (address.startsWith('ipc://')) rmSync(address.slice('ipc://'.length), { force: true });
}

/** Removes `dir` if nothing is left in it. */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (someone put something there), or already gone: not ours to force
  }
}

/**
 * Removes the endpoint {@link privateEndpoint} made in a directory of its own (a detached
 * child's), once no child will bind it again: the socket file a killed child left, and the
 * directory if nothing else is in it. Any other address is left alone: a run directory is
 * removed whole by its owner at exit, and an address the caller chose may be another server's.
 */
export function removeOwnEndpoint(address: string): void {
  const dir = ownDirOf(address);
  if (dir === undefined) return;
  removeSocketFile(address);
  removeIfEmpty(dir);
}

/**
 * Tells this detached child which process started it: while that process lives, it may start the
 * next child at the same address (a restart policy), so the directory is left to it.
 */
export function setRestartingParent(pid: number): void {
  restartingParent = pid;
}

/**
 * What a server leaves on disk once its socket at `address` is closed: its socket file, and the
 * directory made for it alone once no parent that could start the next child there is alive (a
 * detached child outlives its parent; this process is reparented when that parent exits).
 */
export function releaseBoundEndpoint(address: string): void {
  removeSocketFile(address);
  const dir = ownDirOf(address);
  // process.ppid changes when the parent exits (this process is reparented)
  if (dir !== undefined && process.ppid !== restartingParent) removeIfEmpty(dir);
}

/**
 * Whether `address` is an ipc endpoint whose directory only this user can enter: a directory
 * owned by this uid with no group or other permissions. Judged from the file system, so a link
 * to a socket someone else placed does not count as private.
 */
export function isPrivateIpc(address: string): boolean {
  if (!address.startsWith('ipc://')) return false;
  const path = address.slice('ipc://'.length);
  if (!path.startsWith('/')) return false;
  try {
    const st = statSync(dirname(path));
    return st.isDirectory() && st.uid === uid() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}
