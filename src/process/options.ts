/**
 * The options of `spawn()`, their defaults and their validation, in one place so the spawner,
 * the handle (which re-uses them for every restart) and the supervisor agree.
 */
import { constants } from 'node:os';
import { privateEndpoint } from '../transport/private-dir.js';
import { InvalidArgumentError } from '../errors.js';
import { isDelay, MAX_DELAY_MS } from '../delays.js';
import { describeValue } from '../describe-value.js';
import { isLogLevel, LOG_LEVELS } from '../log/record.js';
import { checkImportRules, type ImportRule } from '../rpc/import-policy.js';
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
   * thread is blocked (a busy loop). Costs about 10 MB of RSS per child. Default: on only where
   * the child cannot get a parent-death signal (no `setpriv` with `--pdeathsig`, a parent
   * spawning from a worker thread, or `ZEROPROC_PDEATHSIG=off`); the signal ends the child in
   * any state, stopped included, and the watchdog then adds nothing.
   */
  watchdog?: boolean;
  /**
   * What clients may import in the child, matched against the URL each specifier resolves to in
   * the child (see `ImportRule`); `[]` allows nothing. A list only: a function cannot be sent to
   * the child. Default: the default import policy of `RPCServer.start` (files and Node builtins,
   * not the builtins that run code, not `data:` or `http(s):`). `preload` is not subject to it.
   */
  allowImport?: readonly ImportRule[];
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
  /** `undefined`: decided at each start, by whether the child gets a parent-death signal. */
  watchdog: boolean | undefined;
  allowImport: ImportRule[] | undefined;
}

let unnamed = 0;

/** Every key {@link SpawnOptions} has: anything else is a typo that would be ignored silently. */
const OPTION_KEYS: ReadonlySet<string> = new Set<keyof SpawnOptions>([
  'name', 'cwd', 'env', 'execArgv', 'address', 'authkey', 'logServer', 'logLevel', 'startTimeout', 'callTimeout',
  'typescript', 'detached', 'outputFile', 'preload', 'restart', 'onRestart', 'stderrTailLines', 'watchdog', 'allowImport',
]);

function fail(option: string, want: string, value: unknown): never {
  throw new InvalidArgumentError(`spawn: option \`${option}\` must be ${want}, got ${describeValue(value)}`);
}

/**
 * A NUL cannot reach the kernel in a path, an argument or the environment: Node refuses such a
 * spawn, and one accepted here hung waiting for a child that never existed.
 */
function isCleanString(value: unknown): value is string {
  return typeof value === 'string' && !value.includes('\0');
}

function checkStringList(option: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(option, 'a list of strings', value);
  value.forEach((item: unknown, i) => {
    if (!isCleanString(item)) fail(`${option}[${i}]`, 'a string without NUL bytes', item);
  });
  return [...(value as string[])];
}

function checkEnv(value: unknown): Record<string, string | undefined> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('env', 'an object of strings', value);
  for (const [key, v] of Object.entries(value)) {
    if (key === '' || key.includes('=') || key.includes('\0')) fail('env', 'an object whose keys are non-empty and hold no "=" or NUL bytes', key);
    if (v !== undefined && !isCleanString(v)) fail(`env.${key}`, 'a string without NUL bytes, or undefined', v);
  }
  return { ...(value as Record<string, string | undefined>) };
}

function checkBoolean(option: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') fail(option, 'a boolean', value);
  return value;
}

/** Validates `opts` and fills in defaults; `authkey` and `logServer` come from the spawner. */
export function resolveSpawnOptions(
  opts: SpawnOptions,
  defaults: { authkey: string | Uint8Array; logServer: string | undefined },
): ResolvedSpawnOptions {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new InvalidArgumentError(`spawn: options must be an object, got ${describeValue(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.has(key)) throw new InvalidArgumentError(`spawn: unknown option \`${key}\` (known: ${[...OPTION_KEYS].join(', ')})`);
  }
  const name = opts.name ?? `child-${++unnamed}`;
  if (typeof name !== 'string' || name.length === 0 || /[\0\n]/.test(name)) fail('name', 'a non-empty string without NUL or newline', name);
  if (opts.cwd !== undefined && (!isCleanString(opts.cwd) || opts.cwd === '')) fail('cwd', 'a directory path without NUL bytes', opts.cwd);
  const env = checkEnv(opts.env);
  // a string where a list is expected would be spread into single characters: a preload of
  // '/' or Node flags '-', '-', 'm', ... failing the spawn with a message that names neither
  const execArgv = checkStringList('execArgv', opts.execArgv);
  const preload = checkStringList('preload', opts.preload);
  const address = opts.address;
  if (address !== undefined && (!isCleanString(address) || !/^(tcp|ipc):\/\/.+/.test(address))) fail('address', 'a tcp:// or ipc:// endpoint', address);
  const authkey = opts.authkey ?? defaults.authkey;
  if (typeof authkey !== 'string' && !(authkey instanceof Uint8Array)) fail('authkey', 'a string or a Uint8Array', authkey);
  if (authkey.length === 0) fail('authkey', 'a non-empty key', authkey);
  if (opts.logServer !== undefined && opts.logServer !== false && !(isCleanString(opts.logServer) && /^(tcp|ipc):\/\/.+/.test(opts.logServer))) {
    fail('logServer', 'a tcp:// or ipc:// endpoint, or false', opts.logServer);
  }
  if (opts.logLevel !== undefined && !isLogLevel(opts.logLevel)) fail('logLevel', `one of ${Object.keys(LOG_LEVELS).join(', ')}`, opts.logLevel);
  const startTimeout = opts.startTimeout ?? 10_000;
  if (!isDelay(startTimeout) || startTimeout === 0) fail('startTimeout', `1 to ${MAX_DELAY_MS} ms`, startTimeout);
  if (opts.callTimeout !== undefined && (!isDelay(opts.callTimeout) || opts.callTimeout === 0)) fail('callTimeout', `1 to ${MAX_DELAY_MS} ms`, opts.callTimeout);
  const typescript = opts.typescript ?? 'auto';
  if (typescript !== 'auto' && typeof typescript !== 'boolean') fail('typescript', "'auto' or a boolean", typescript);
  const detached = checkBoolean('detached', opts.detached) ?? false;
  if (opts.outputFile !== undefined) {
    if (!isCleanString(opts.outputFile) || opts.outputFile === '') fail('outputFile', 'a file path without NUL bytes', opts.outputFile);
    if (!detached) fail('outputFile', 'given only with detached: true (an attached child\'s output goes to the parent)', opts.outputFile);
  }
  // a hook that is not a function would fail every restart: a crash loop up to giveup
  if (opts.onRestart !== undefined && typeof opts.onRestart !== 'function') fail('onRestart', 'a function', opts.onRestart);
  const stderrTailLines = opts.stderrTailLines ?? 20;
  if (!Number.isInteger(stderrTailLines) || stderrTailLines < 0) fail('stderrTailLines', 'an integer >= 0', stderrTailLines);
  return {
    name,
    cwd: opts.cwd ?? process.cwd(),
    env,
    execArgv,
    // a private ipc endpoint: only this user can reach it, and a restarted child binds it again;
    // in this process's run directory (removed when it exits) unless the child outlives it
    address: address ?? privateEndpoint(detached ? 'daemon' : 'child', { outlivesProcess: detached }),
    authkey,
    logServer: opts.logServer === false ? undefined : (opts.logServer ?? defaults.logServer),
    logLevel: opts.logLevel,
    startTimeout,
    callTimeout: opts.callTimeout,
    typescript,
    detached,
    outputFile: opts.outputFile,
    preload,
    restart: resolveRestartOptions(opts.restart),
    onRestart: opts.onRestart,
    stderrTailLines,
    watchdog: checkBoolean('watchdog', opts.watchdog),
    allowImport: checkImportRules('spawn', opts.allowImport),
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
