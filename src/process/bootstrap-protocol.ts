/**
 * The messages a parent and a freshly spawned child exchange over the Node IPC channel before
 * the child's RPC server takes over: the parent sends one {@link ChildConfig}, the child answers
 * with one {@link ChildReady} or {@link ChildStartupError}.
 *
 * The IPC channel carries the authkey, so the key never appears in argv or the environment
 * (both readable by other users through /proc). Imports nothing, so the child's start path stays
 * small.
 */

/** Marks zeroproc's own IPC messages, so messages user code sends over the channel are ignored. */
export const BOOTSTRAP_TAG = 'zeroproc.bootstrap.v1';

/** Argument placed before the child's name on its command line, so `ps` shows whose child it is. */
export const NAME_ARG = '--zeroproc-name';

/** What a child needs to start; sent by the parent as the first IPC message. */
export interface ChildConfig {
  tag: typeof BOOTSTRAP_TAG;
  type: 'config';
  name: string;
  /** The endpoint the child's RPC server binds (`tcp://host:port|*` or `ipc://path`). */
  address: string;
  authkey: string | Uint8Array;
  /** A daemon: it outlives the parent and keeps running after the IPC channel closes. */
  detached: boolean;
  /** Whether the child may load tsx on the first TypeScript import. */
  typescript: 'auto' | boolean;
  /** True when the child was started under tsx already (`--import tsx`). */
  tsxLoaded: boolean;
  /** Modules imported before the child reports ready; a throwing one fails the spawn. */
  preload: string[];
  /** Start a watchdog thread that ends the child even when its main thread is busy. */
  watchdog: boolean;
  /** The import allow-list of the child's server (strings and RegExps survive the IPC channel); `undefined`: the default policy. */
  allowImport: (string | RegExp)[] | undefined;
}

/** The child's RPC server is listening. */
export interface ChildReady {
  tag: typeof BOOTSTRAP_TAG;
  type: 'ready';
  /** The resolved endpoint (the real port when the parent asked for `*`). */
  address: string;
  pid: number;
  /**
   * The token that lets a client import and close on the child's server: drawn by the child and
   * told only to its parent, here, never over ZeroMQ.
   */
  ownerToken: string;
}

/** The child could not start; carries the child's own error. */
export interface ChildStartupError {
  tag: typeof BOOTSTRAP_TAG;
  type: 'error';
  name: string;
  message: string;
  stack: string | undefined;
}

/** A message a child sends its parent during start-up. */
export type ChildMessage = ChildReady | ChildStartupError;

function tagged(value: unknown): value is { tag: string; type: unknown } {
  return typeof value === 'object' && value !== null && (value as { tag?: unknown }).tag === BOOTSTRAP_TAG;
}

/** True for a well-formed {@link ChildMessage}. */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (!tagged(value)) return false;
  const v = value as unknown as Record<string, unknown>;
  if (v.type === 'ready') return typeof v.address === 'string' && typeof v.pid === 'number' && typeof v.ownerToken === 'string';
  if (v.type === 'error') return typeof v.message === 'string';
  return false;
}

/** True for a well-formed {@link ChildConfig}. */
export function isChildConfig(value: unknown): value is ChildConfig {
  if (!tagged(value)) return false;
  const v = value as unknown as Record<string, unknown>;
  return (
    v.type === 'config' &&
    typeof v.name === 'string' &&
    typeof v.address === 'string' &&
    (typeof v.authkey === 'string' || v.authkey instanceof Uint8Array) &&
    Array.isArray(v.preload)
  );
}
