/**
 * A host daemon (`zeroproc host`): a process whose RPC server, bound where other machines reach
 * it, serves its actor host (`connectHost(address)`) and a {@link DaemonService} that spawns
 * child processes for remote requesters (`connectDaemon(address)`). What may be loaded there,
 * actors and remote imports alike, is limited by one import allow-list.
 */
import { hostname } from 'node:os';
import { createHost, type ActorHost } from '../actor/host.js';
import { AlreadyExistsError, AuthError, InvalidArgumentError } from '../errors.js';
import { flushLogs } from '../log/logger.js';
import { checkOptions, delayMs, nonEmptyString, satisfies, wholeNumber } from '../option-checks.js';
import type { ProcessHandle } from '../process/handle.js';
import type { RestartOptions, RestartPolicyName } from '../process/restart-policy.js';
import { createModuleLoader } from '../process/module-loader.js';
import { spawn } from '../process/spawner.js';
import { STATUS_NAME, StatusService } from '../process/status.js';
import { checkImportRules, type ImportRule } from '../rpc/import-policy.js';
import { setDefaultAuthkey, setLocalServer, type LinkAuth } from '../rpc/local.js';
import { advertiseRule, authkeyRule } from '../rpc/options.js';
import { randomId } from '../rpc/random-id.js';
import { RPCServer } from '../rpc/server.js';
import { ADVERTISE_ENV, checkAddress, isLocalOnly } from '../transport/endpoint.js';
import { OutputRouter } from './log-forward.js';
import { RemoteProcess } from './remote-process.js';

/** The name the daemon's {@link DaemonService} is published under. */
export const DAEMON_NAME = 'zeroproc.daemon';

/** Options of {@link startHostDaemon}. */
export interface HostDaemonOptions {
  /** Where to bind, e.g. `tcp://0.0.0.0:1277`. Default `tcp://127.0.0.1:1277`. */
  address?: string;
  /** Host name or IP that references to the daemon and its children carry (for a wildcard bind). Default: from the interfaces. */
  advertise?: string;
  /**
   * The cluster's authkey (every machine holds the same), or a CURVE keyset given whole
   * (`loadCurveKeyset`). Required unless the address is local. An authkey also becomes this
   * process's default key: the daemon's children and their log links use it.
   */
  authkey?: LinkAuth;
  /** What requesters may load here (actor modules, remote imports in children). Default `[]`: nothing. */
  allowImport?: readonly ImportRule[];
  /** The daemon's name, as peers see it. Default `host-<hostname>`. */
  name?: string;
}

/** Options a requester passes to {@link DaemonService.spawnProcess}. */
export interface RemoteSpawnOptions {
  /** The child's name, unique among the daemon's live children. Default `remote-N`. */
  name?: string;
  /** Working directory of the child on the daemon's machine. Default: the daemon's. */
  cwd?: string;
  /**
   * The requester's LogServer address (`logServer.address` of one bound to `tcp://0.0.0.0:*` with
   * the cluster key): the child's log records and its stdout/stderr lines go there. Default: the
   * daemon's console.
   */
  logServer?: string;
  /** Lowest level the child's loggers send. */
  logLevel?: string;
  /** How long the child may take to start, ms. Default 10 000. */
  startTimeout?: number;
  /** Default timeout of the daemon's calls to the child, ms. */
  callTimeout?: number;
  /** Restart policy of the child, kept by the daemon. */
  restart?: RestartPolicyName | RestartOptions;
  /** How many last stderr lines an exit error carries. */
  stderrTailLines?: number;
}

const remoteSpawnRules = {
  name: satisfies('a non-empty string without "/"', (v) => typeof v === 'string' && v !== '' && !v.includes('/') && !v.includes('\0')),
  cwd: nonEmptyString,
  logServer: satisfies('a tcp:// or ipc:// endpoint', (v) => typeof v === 'string' && /^(tcp|ipc):\/\/./.test(v)),
  logLevel: nonEmptyString,
  startTimeout: delayMs(1),
  callTimeout: delayMs(1),
  restart: satisfies('a restart policy name or options', (v) => typeof v === 'string' || (typeof v === 'object' && v !== null)),
  stderrTailLines: wholeNumber(0, 10_000, 'lines'),
};

/** Spawn options a requester may not choose: each would run code the allow-list never sees, or change the child's security. */
const REFUSED_SPAWN_OPTIONS: Readonly<Record<string, string>> = {
  env: 'environment variables (NODE_OPTIONS...) run code past the allow-list',
  execArgv: 'Node flags (--import, --eval...) run code past the allow-list',
  preload: 'preloaded modules are not checked by the allow-list',
  address: 'the daemon binds its children where peers reach them',
  authkey: "the children use the daemon's key",
  allowImport: "the daemon's allow-list applies",
  detached: 'children end with the daemon',
  outputFile: "output goes to the requester's LogServer",
  typescript: 'the daemon decides how modules load',
  watchdog: 'the daemon decides how children are watched',
  onRestart: 'a function cannot be sent',
};

const daemonRules = {
  address: nonEmptyString,
  advertise: advertiseRule,
  authkey: authkeyRule,
  allowImport: satisfies('a list of strings and RegExps', (v) => Array.isArray(v)),
  name: nonEmptyString,
};

/** A child of the daemon, as {@link DaemonService.processes} lists it. */
export interface DaemonProcessInfo {
  name: string;
  pid: number;
  address: string;
  state: string;
  restarts: number;
}

/** What {@link DaemonService.info} reports. */
export interface DaemonInfo {
  name: string;
  address: string;
  hostname: string;
  pid: number;
  platform: string;
  node: string;
  processes: number;
  actors: string[];
}

/**
 * The daemon's services to other machines, published as {@link DAEMON_NAME}: spawning child
 * processes and listing them. Reach it with `connectDaemon(address, { authkey })`.
 */
export class DaemonService {
  readonly #daemon: HostDaemon;

  /** @internal Made by {@link startHostDaemon}. */
  constructor(daemon: HostDaemon) {
    this.#daemon = daemon;
  }

  /**
   * Spawns a child process on the daemon's machine and returns a reference to it: `import`
   * (under the daemon's allow-list), `stop`, `kill`, `wait`, `pid`, `name`. With `logServer`, the
   * child's logs and output reach the requester's LogServer.
   */
  spawnProcess(options: RemoteSpawnOptions = {}): Promise<RemoteProcess> {
    return this.#daemon.spawnProcess(options);
  }

  /** The daemon's live children. */
  processes(): DaemonProcessInfo[] {
    return this.#daemon.processes();
  }

  /** Who and where the daemon is. */
  info(): DaemonInfo {
    return this.#daemon.info();
  }
}

/** A running host daemon, in its own process. Start it with {@link startHostDaemon}. */
export class HostDaemon {
  /** The daemon's RPC server. */
  readonly server: RPCServer;
  /** The daemon's actor host, served by {@link server}. */
  readonly host: ActorHost;
  readonly #children = new Map<string, ProcessHandle>();
  readonly #router: OutputRouter;
  readonly #childAddress: string;
  readonly #authkey: string | Uint8Array | undefined;
  readonly #allowImport: ImportRule[];
  #spawned = 0;
  #closing: Promise<void> | undefined;

  /** @internal */
  constructor(server: RPCServer, host: ActorHost, settings: { childAddress: string; authkey: string | Uint8Array | undefined; allowImport: ImportRule[] }) {
    this.server = server;
    this.host = host;
    this.#childAddress = settings.childAddress;
    this.#authkey = settings.authkey;
    this.#allowImport = settings.allowImport;
    this.#router = new OutputRouter(settings.authkey);
  }

  /** The address other machines use (never a wildcard). */
  get address(): string {
    return this.server.advertisedAddress;
  }

  /** @internal What {@link DaemonService.spawnProcess} does. */
  async spawnProcess(options: RemoteSpawnOptions): Promise<RemoteProcess> {
    if (this.#closing) throw new InvalidArgumentError(`host daemon ${this.server.name} is shutting down`);
    if (options !== null && typeof options === 'object') {
      for (const key of Object.keys(options)) {
        const why = Object.hasOwn(REFUSED_SPAWN_OPTIONS, key) ? REFUSED_SPAWN_OPTIONS[key] : undefined;
        if (why) throw new InvalidArgumentError(`spawnProcess: option \`${key}\` cannot be set from another machine: ${why}`);
      }
    }
    checkOptions('spawnProcess', options, remoteSpawnRules);
    if (this.#authkey === undefined) throw new InvalidArgumentError('spawnProcess: this daemon runs with a CURVE keyset and no authkey, and its children need one (start it with --authkey-file)');
    const name = options.name ?? `remote-${++this.#spawned}`;
    if (this.#children.has(name)) throw new AlreadyExistsError(`spawnProcess: the daemon already runs a process named ${JSON.stringify(name)}`);
    if (options.logServer !== undefined) this.#router.route(name, options.logServer);
    let handle: ProcessHandle;
    try {
      handle = await spawn({
        name,
        ...(options.cwd !== undefined && { cwd: options.cwd }),
        ...(options.logLevel !== undefined && { logLevel: options.logLevel }),
        ...(options.startTimeout !== undefined && { startTimeout: options.startTimeout }),
        ...(options.callTimeout !== undefined && { callTimeout: options.callTimeout }),
        ...(options.restart !== undefined && { restart: options.restart }),
        ...(options.stderrTailLines !== undefined && { stderrTailLines: options.stderrTailLines }),
        logServer: options.logServer ?? false,
        address: this.#childAddress,
        authkey: this.#authkey,
        allowImport: this.#allowImport,
      });
    } catch (err) {
      await this.#router.unroute(name);
      throw err;
    }
    this.#children.set(name, handle);
    const forget = () => {
      if (this.#children.get(name) === handle) this.#children.delete(name);
      void this.#router.unroute(name);
    };
    handle.wait().then(forget, forget);
    return new RemoteProcess(handle);
  }

  /** @internal What {@link DaemonService.processes} does. */
  processes(): DaemonProcessInfo[] {
    return [...this.#children.values()].map((h) => ({ name: h.name, pid: h.pid, address: h.address, state: h.state, restarts: h.restarts }));
  }

  /** @internal What {@link DaemonService.info} does. */
  info(): DaemonInfo {
    return {
      name: this.server.name,
      address: this.address,
      hostname: hostname(),
      pid: process.pid,
      platform: process.platform,
      node: process.version,
      processes: this.#children.size,
      actors: this.host.actors(),
    };
  }

  /**
   * Shuts the daemon down: children stopped (gracefully), actors stopped, the output of children
   * forwarded to requesters and this process's own logs flushed, the server closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await Promise.allSettled([...this.#children.values()].map((h) => h.stop()));
    await this.host.shutdown();
    await this.#router.close();
    await this.server.close();
    setLocalServer(undefined);
    await flushLogs();
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts this process's host daemon: binds its RPC server, serves an actor host and a
 * {@link DaemonService} on it, and makes that server the process's local one (so that every
 * reference it hands out carries an address other machines reach). What `zeroproc host` runs.
 */
export async function startHostDaemon(options: HostDaemonOptions = {}): Promise<HostDaemon> {
  checkOptions('startHostDaemon', options, daemonRules);
  const address = options.address ?? 'tcp://127.0.0.1:1277';
  checkAddress(address, 'startHostDaemon: option `address`');
  const allowImport = checkImportRules('startHostDaemon', options.allowImport) ?? [];
  const { authkey } = options;
  const keyBytes = typeof authkey === 'string' || authkey instanceof Uint8Array ? authkey : undefined;
  if ((authkey === undefined || (keyBytes !== undefined && keyBytes.length === 0)) && !isLocalOnly(address)) {
    throw new AuthError(`startHostDaemon: refusing to bind ${address} without an authkey: anyone who can reach it could run code here (give an authkey or a CURVE keyset)`);
  }
  // the daemon's children inherit it: their servers advertise the same reachable host
  if (options.advertise !== undefined) process.env[ADVERTISE_ENV] = options.advertise;
  if (keyBytes !== undefined && keyBytes.length > 0) setDefaultAuthkey(keyBytes);
  // modules load as in a spawned child: bare names from the working directory, TypeScript through tsx
  const loader = createModuleLoader({ typescript: 'auto', tsxLoaded: false });
  const server = await RPCServer.start({
    address,
    ...(authkey !== undefined && { authkey }),
    ...(options.advertise !== undefined && { advertise: options.advertise }),
    allowImport,
    resolveImport: loader.resolve,
    importModule: loader.load,
    name: options.name ?? `host-${hostname()}`,
    // requesters use the daemon through its host and its service; importing into the daemon
    // itself or closing it is for its operator (a signal), not for whoever holds the key
    control: 'nobody',
  });
  try {
    setLocalServer(server);
    const host = await createHost();
    const daemon = new HostDaemon(server, host, { childAddress: childAddressOf(server.address), authkey: keyBytes, allowImport });
    server.publish(DAEMON_NAME, new DaemonService(daemon));
    // `zeroproc ps --connect` reads the daemon's tree over the network; stopping or restarting its
    // children is its operator's (the local ps socket), so the control token is one nobody holds
    server.publish(STATUS_NAME, new StatusService(() => ({ name: server.name, address: server.advertisedAddress }), randomId()));
    return daemon;
  } catch (err) {
    setLocalServer(undefined);
    await server.close();
    throw err;
  }
}

/** Children bind the daemon's host on a free port: reachable wherever the daemon is. */
function childAddressOf(bound: string): string {
  const m = /^tcp:\/\/(.+):\d+$/.exec(bound);
  return m ? `tcp://${m[1]}:*` : 'tcp://127.0.0.1:*';
}
