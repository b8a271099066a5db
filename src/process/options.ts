/**
 * The options of `spawn()`, their defaults and their validation, in one place so the spawner,
 * the handle (which re-uses them for every restart) and the supervisor agree.
 */
import { constants } from 'node:os';
import { privateEndpoint } from '../transport/private-dir.js';
import { InvalidArgumentError } from '../errors.js';
import { isDelay, MAX_DELAY_MS } from '../delays.js';
import type { ProcessHandle } from './handle.js';
import { resolveRestartOptions, type ResolvedRestartOptions, type RestartOptions, type RestartPolicyName } from './restart-policy.js';

/** Options of `ProcessSpawner.spawn()` / `spawn()`. */
export interface SpawnOptions {
  /** Shown in `ps` (`zeroproc: NAME`), in output prefixes, logs and errors. Default `child-N`. */
  name?: string;
  /** Working directory of the child; relative imports resolve against it. Default: the parent's. */
  cwd?: string;
  /** Variables added to (or, with `undefined`, removed from) the parent's environment. */
  env?: Record<string, string | undefined>;
  /** Extra Node.js flags, e.g. `['--max-old-space-size=512']`. */
  execArgv?: string[];
  /**
   * Endpoint the child's server binds. Default: a private ipc endpoint in this process's 0700
   * run directory (only this user can connect). A `tcp://` address is secured with CURVE from
   * `authkey`.
   */
  address?: string;
  /**
   * Key of the child's CURVE links (when its address is not private ipc) and of the callbacks it
   * sends home. Default: one random 32-byte key per
   * parent run (also made the process-wide default key). Handed to the child over the IPC
   * channel, never through argv or the environment.
   */
  authkey?: string | Uint8Array;
  /**
   * Address of the log server the child sends its log records to; `false` sends none. Default:
   * the log server running in this process, if any.
   */
  logServer?: string | false;
  /** Lowest level the child's loggers send (given to the child as `ZEROPROC_LOG_LEVEL`). */
  logLevel?: string;
  /** How long the child may take to report ready, in ms (at most 2^31 - 1). Default 10 000. */
  startTimeout?: number;
  /** Default timeout of calls to the child, in ms. Default: the RPC client's (10 000). */
  callTimeout?: number;
  /**
   * `'auto'` (default): the child loads tsx only when it first imports a `.ts` module. `true`:
   * the child runs under tsx from the start. `false`: never load tsx; `.ts` imports fail.
   */
  typescript?: 'auto' | boolean;
  /**
   * A daemon: the child gets its own session, its output goes to `outputFile` (or nowhere), and
   * it outlives this process. Reconnect later with `RPCClient.connect(address, { authkey })`.
   */
  detached?: boolean;
  /** For a detached child: file its stdout and stderr are appended to. */
  outputFile?: string;
  /** Modules the child imports before it reports ready; a throwing one fails the spawn. */
  preload?: string[];
  /** Restart policy; a policy name alone is a shorthand for `{ policy }`. Default `'never'`. */
  restart?: RestartPolicyName | RestartOptions;
  /** Called after each restart, once the new child answers, to re-create its state. */
  onRestart?: (handle: ProcessHandle) => void | Promise<void>;
  /** How many of the child's last stderr lines an exit error carries. Default 20. */
  stderrTailLines?: number;
  /**
   * Start a watchdog thread in the child that ends it when the parent dies even while its main
   * thread is blocked (a busy loop). Costs about 10 MB of RSS per child. Default false: an idle
   * or asynchronous child notices the parent's death without it.
   */
  watchdog?: boolean;
}

/** {@link SpawnOptions} with every default filled in. */
export interface ResolvedSpawnOptions {
  name: string;
  cwd: string;
  env: Record<string, string | undefined>;
  execArgv: string[];
  address: string;
  authkey: string | Uint8Array;
  logServer: string | undefined;
  logLevel: string | undefined;
  startTimeout: number;
  callTimeout: number | undefined;
  typescript: 'auto' | boolean;
  detached: boolean;
  outputFile: string | undefined;
  preload: string[];
  restart: ResolvedRestartOptions;
  onRestart: ((handle: ProcessHandle) => void | Promise<void>) | undefined;
  stderrTailLines: number;
  watchdog: boolean;
}

let unnamed = 0;

function fail(what: string, value: unknown): never {
  throw new InvalidArgumentError(`spawn option ${what} is not valid: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isEnv(value: unknown): value is Record<string, string | undefined> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === undefined || typeof v === 'string')
  );
}

/** Validates `opts` and fills in defaults; `authkey` and `logServer` come from the spawner. */
export function resolveSpawnOptions(
  opts: SpawnOptions,
  defaults: { authkey: string | Uint8Array; logServer: string | undefined },
): ResolvedSpawnOptions {
  const name = opts.name ?? `child-${++unnamed}`;
  if (typeof name !== 'string' || name.length === 0 || /[\0\n]/.test(name)) fail('name', name);
  if (opts.address !== undefined && (typeof opts.address !== 'string' || !/^(tcp|ipc):\/\/.+/.test(opts.address))) fail('address', opts.address);
  const startTimeout = opts.startTimeout ?? 10_000;
  if (!isDelay(startTimeout) || startTimeout === 0) fail(`startTimeout (1 to ${MAX_DELAY_MS} ms)`, startTimeout);
  if (opts.callTimeout !== undefined && !(Number.isFinite(opts.callTimeout) && opts.callTimeout > 0)) fail('callTimeout', opts.callTimeout);
  const typescript = opts.typescript ?? 'auto';
  if (typescript !== 'auto' && typeof typescript !== 'boolean') fail('typescript', typescript);
  const stderrTailLines = opts.stderrTailLines ?? 20;
  if (!Number.isInteger(stderrTailLines) || stderrTailLines < 0) fail('stderrTailLines', stderrTailLines);
  const authkey = opts.authkey ?? defaults.authkey;
  if (typeof authkey !== 'string' && !(authkey instanceof Uint8Array)) fail('authkey', typeof authkey);
  if (authkey.length === 0) fail('authkey', '(empty)');
  const detached = opts.detached ?? false;
  if (opts.outputFile !== undefined && !detached) fail('outputFile (only for detached children)', opts.outputFile);
  // a string where a list is expected would be spread into single characters: a preload of
  // '/' or Node flags '-', '-', 'm', ... failing the spawn with a message that names neither
  if (opts.execArgv !== undefined && !isStringList(opts.execArgv)) fail('execArgv (a list of strings)', opts.execArgv);
  if (opts.preload !== undefined && !isStringList(opts.preload)) fail('preload (a list of module specifiers)', opts.preload);
  if (opts.env !== undefined && !isEnv(opts.env)) fail('env (an object of strings)', opts.env);
  if (opts.cwd !== undefined && typeof opts.cwd !== 'string') fail('cwd', opts.cwd);
  // a hook that is not a function would fail every restart: a crash loop up to giveup
  if (opts.onRestart !== undefined && typeof opts.onRestart !== 'function') fail('onRestart (a function)', opts.onRestart);
  return {
    name,
    cwd: opts.cwd ?? process.cwd(),
    env: { ...opts.env },
    execArgv: [...(opts.execArgv ?? [])],
    // in this process's private directory: the child binds it, only this user can reach it, and
    // a restarted child binds it again; a detached child's socket keeps the directory from
    // being removed when this process exits
    address: opts.address ?? privateEndpoint('child'),
    authkey,
    logServer: opts.logServer === false ? undefined : (opts.logServer ?? defaults.logServer),
    logLevel: opts.logLevel,
    startTimeout,
    callTimeout: opts.callTimeout,
    typescript,
    detached,
    outputFile: opts.outputFile,
    preload: [...(opts.preload ?? [])],
    restart: resolveRestartOptions(opts.restart),
    onRestart: opts.onRestart,
    stderrTailLines,
    watchdog: opts.watchdog ?? false,
  };
}

/** The escalation timeout of `stop()` and `restart()`, checked; see `StopOptions.timeout`. */
export function resolveStopTimeout(timeout: number | undefined): number {
  const ms = timeout ?? 5000;
  if (!isDelay(ms)) throw new InvalidArgumentError(`stop timeout must be 0 to ${MAX_DELAY_MS} ms, got ${String(ms)}`);
  return ms;
}

/**
 * Checks a signal name given to `kill()`: `process.kill()` throws on an unknown one, and a
 * signal that was never sent leaves its caller waiting for an exit that never comes.
 */
export function checkSignal(signal: unknown): NodeJS.Signals {
  if (typeof signal !== 'string' || !Object.prototype.hasOwnProperty.call(constants.signals, signal)) {
    throw new InvalidArgumentError(`unknown signal ${JSON.stringify(signal)} (expected a name such as 'SIGTERM' or 'SIGKILL')`);
  }
  return signal as NodeJS.Signals;
}
