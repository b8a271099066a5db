/**
 * What `zeroproc ps` shows of a process and the children it spawned: every process reads its own
 * gauges and actors and asks each child for its subtree. A child serves its part through the
 * {@link StatusService} published on its RPC server as {@link STATUS_NAME}.
 *
 * Capabilities: reading a status is open to whoever holds the tree's key (published, like the
 * actor host, whose `actors()` and `statsOf()` already tell as much): it reveals no reference
 * and allows no action. Stopping or restarting a process is its owner's: a child acts only when
 * the caller presents the owner token the child gave its parent at start-up, so a sibling
 * holding the shared key can read the tree but not stop any of it.
 *
 * Kept light (no spawner, no winston): a child's bootstrap imports this file.
 */
import { timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import type { RPCClient } from '../rpc/client.js';
import { withOptions } from '../rpc/proxy.js';
import type { Remote } from '../rpc/types.js';
import { changed, hasActorStatus, readActorStatus, type ActorStatus } from '../status-sections.js';
import type { ProcessHandle } from './handle.js';
import { GaugeSampler, LAG_RESOLUTION_MS } from './status-sampler.js';

/** The name every zeroproc child publishes its {@link StatusService} under. */
export const STATUS_NAME = 'zeroproc.status';

/** Version tag of the JSON `zeroproc ps --json` prints (docs/CLUSTER.md, "`zeroproc ps`"). */
export const PS_SCHEMA = 'zeroproc.ps/1';

/** How long a process waits for a child's status before showing it as unreachable, ms. */
export const CHILD_STATUS_TIMEOUT_MS = 3_000;

/**
 * How long a stop or restart request may take, ms: a stop escalates (close, SIGTERM, SIGKILL),
 * a restart waits for the new child; not a status read.
 */
export const CONTROL_TIMEOUT_MS = 120_000;

/** How many exited children a process keeps showing (the latest ones). */
const EXITED_KEPT = 16;

/** Where a process is in its life, as `zeroproc ps` shows it. */
export type PsState = 'starting' | 'running' | 'restarting' | 'stopping' | 'exited';

/** One process of a tree, with its actors and children: the unit of `zeroproc ps --json`. */
export interface ProcessStatus {
  /** The name it was spawned with (a tree root: its script's name, or the name it was given). */
  name: string;
  /** Its pid (the last one, once exited). */
  pid: number;
  /** The machine it runs on (`os.hostname()`). */
  host: string;
  /** Its RPC server's address; null when it has none. */
  address: string | null;
  state: PsState;
  /** How long its current run has been up, ms; null when not running. */
  uptimeMs: number | null;
  /** Restarts so far (crashes and requested restarts). */
  restarts: number;
  /**
   * Restarts its policy would still make in a crash loop before giving up; null for a process
   * no supervisor restarts (a tree root), 0 for policy `never`.
   */
  restartBudget: number | null;
  /** Resident memory, bytes; null when it could not be read (not running, unreachable). */
  rssBytes: number | null;
  /** CPU used since the previous `ps`, % of one core; null when it could not be read. */
  cpuPercent: number | null;
  /** Worst event-loop delay since the previous `ps`, ms; null when it could not be read. */
  eventLoopLagMs: number | null;
  /** The last crash or failed restart, in words; null if none. */
  lastError: string | null;
  /** Why its own gauges, actors and children are missing (it did not answer); null when read. */
  statusError: string | null;
  /** Its actors, in spawn order. */
  actors: ActorStatus[];
  /** The processes it spawned, live ones in spawn order, then up to 16 exited ones. */
  children: ProcessStatus[];
}

/** What a process reports of its own: everything but what its parent knows better. */
export interface SelfFacts {
  name: string;
  address: string | null;
}

/** @internal What a {@link ProcessHandle} tells `ps` of the child it supervises. */
export interface HandleFacts {
  state: 'running' | 'restarting' | 'stopping' | 'finished';
  pid: number;
  address: string;
  uptimeMs: number | undefined;
  restarts: number;
  restartBudget: number;
  lastError: string | undefined;
  /** The client of the running child; undefined when none runs. */
  client: RPCClient | undefined;
  ownerToken: string;
}

/** What `zeroproc stop|restart` did. */
export interface ControlOutcome {
  action: 'stop' | 'restart';
  name: string;
  /** The pid that was stopped or replaced. */
  pid: number;
  /** After a restart, the new child's pid. */
  newPid?: number;
}

let spawnedChild = false;

/** @internal This process is a spawned child: its parent shows it; it serves no tree of its own. */
export function markSpawnedChild(): void {
  spawnedChild = true;
}

/** Whether this process is a child zeroproc spawned (not the root of a tree). */
export function isSpawnedChild(): boolean {
  return spawnedChild;
}

const live = new Set<ProcessHandle>();
const exited: ProcessHandle[] = [];

/** @internal A handle was created: its child is part of this process's status. */
export function trackHandle(handle: ProcessHandle): void {
  live.add(handle);
  changed();
}

/** @internal A handle finished: shown as exited among the last {@link EXITED_KEPT}. */
export function untrackHandle(handle: ProcessHandle): void {
  if (!live.delete(handle)) return;
  exited.push(handle);
  if (exited.length > EXITED_KEPT) exited.shift();
  changed();
}

/** Whether this process has anything a tree shows beyond itself: live children or actors. */
export function hasStatusSources(): boolean {
  return live.size > 0 || hasActorStatus();
}

const sampler = new GaugeSampler();
const host = hostname();

/** How long the first reading waits for the lag monitor's first measurement at most, ms. */
const FIRST_LAG_WAIT_MS = 1_000;

/**
 * Reads this process's gauges; the first call starts the lag monitor and waits for its first
 * measurement (a few periods; longer on a loaded machine, up to {@link FIRST_LAG_WAIT_MS}).
 */
async function gauges(): Promise<ReturnType<GaugeSampler['sample']>> {
  if (sampler.startLagMonitor()) {
    const until = performance.now() + FIRST_LAG_WAIT_MS;
    do await new Promise((resolve) => setTimeout(resolve, 2 * LAG_RESOLUTION_MS));
    while (!sampler.hasLagReading() && performance.now() < until);
  }
  return sampler.sample();
}

/** This process and its subtree, its own view: a parent overrides what it knows better. */
export async function collectStatus(self: SelfFacts): Promise<ProcessStatus> {
  const [own, children] = await Promise.all([gauges(), Promise.all([...live].map(childStatus))]);
  return {
    name: self.name,
    pid: process.pid,
    host,
    address: self.address,
    state: 'running',
    uptimeMs: Math.round(process.uptime() * 1000),
    restarts: 0,
    restartBudget: null,
    ...own,
    lastError: null,
    statusError: null,
    actors: readActorStatus(),
    children: [...children, ...exited.map(exitedStatus)],
  };
}

/** The status service proxy of each child run, fetched once per client. */
const services = new WeakMap<RPCClient, Promise<Remote<StatusService>>>();

function serviceOf(client: RPCClient): Promise<Remote<StatusService>> {
  let service = services.get(client);
  if (!service) {
    service = client.get<StatusService>(STATUS_NAME).then((proxy) => withOptions(proxy, { timeout: CHILD_STATUS_TIMEOUT_MS }));
    // a failed fetch is tried again at the next ps
    service.catch(() => services.delete(client));
    services.set(client, service);
  }
  return service;
}

async function childStatus(handle: ProcessHandle): Promise<ProcessStatus> {
  const facts = handle.statusFacts();
  const known = fromParent(handle.name, facts);
  if (!facts.client) return known;
  try {
    const theirs = await (await serviceOf(facts.client)).read();
    // the parent knows the run (its restarts, its errors); the child knows its gauges and contents
    const { name, pid, address, state, uptimeMs, restarts, restartBudget, lastError } = known;
    return { ...theirs, name, pid, address, state, uptimeMs, restarts, restartBudget, lastError };
  } catch (err) {
    return { ...known, statusError: (err as Error).message.split('\n')[0]! };
  }
}

function exitedStatus(handle: ProcessHandle): ProcessStatus {
  return fromParent(handle.name, handle.statusFacts());
}

/** What the parent knows of a child: everything but its gauges, actors and children. */
function fromParent(name: string, facts: HandleFacts): ProcessStatus {
  return {
    name,
    pid: facts.pid,
    host,
    address: facts.state === 'finished' ? null : facts.address,
    state: facts.state === 'finished' ? 'exited' : facts.state,
    uptimeMs: facts.uptimeMs === undefined ? null : Math.round(facts.uptimeMs),
    restarts: facts.restarts,
    restartBudget: facts.restartBudget,
    rssBytes: null,
    cpuPercent: null,
    eventLoopLagMs: null,
    lastError: facts.lastError ?? null,
    statusError: null,
    actors: [],
    children: [],
  };
}

/**
 * Stops or restarts the process named `target` (a name or a pid) somewhere below this one: a
 * child of this process directly, a deeper one through the child that owns it. Resolves null
 * when none of the subtree has that name.
 */
export async function controlInTree(action: 'stop' | 'restart', target: string): Promise<ControlOutcome | null> {
  const matches = (handle: ProcessHandle): boolean => handle.name === target || String(handle.pid) === target;
  const own = [...live].find(matches);
  if (own) {
    const pid = own.pid;
    if (action === 'stop') {
      await own.stop();
      return { action, name: own.name, pid };
    }
    await own.restart();
    return { action, name: own.name, pid, newPid: own.pid };
  }
  if (exited.some(matches)) throw new InvalidArgumentError(`${target} has exited: there is nothing to ${action}`);
  for (const handle of live) {
    const facts = handle.statusFacts();
    if (!facts.client) continue;
    // a child that cannot answer fails the whole command: its subtree might hold the target
    const outcome = await withOptions(await serviceOf(facts.client), { timeout: CONTROL_TIMEOUT_MS }).control(facts.ownerToken, action, target);
    if (outcome) return outcome;
  }
  return null;
}

/**
 * A process's status and control surface, published on a child's server as
 * {@link STATUS_NAME}. Its state lives in #private fields: a remote caller walking a reference's
 * properties finds only the methods.
 */
export class StatusService {
  readonly #self: () => SelfFacts;
  readonly #ownerToken: string | undefined;

  /**
   * `self` says what this process reports of itself; `ownerToken`, the token its parent holds,
   * is what {@link control} demands (none: the service is reached only through a channel that
   * already admits only the owner, such as the tree's private status socket).
   */
  constructor(self: () => SelfFacts, ownerToken?: string) {
    this.#self = self;
    this.#ownerToken = ownerToken;
  }

  /** This process and its subtree. */
  read(): Promise<ProcessStatus> {
    return collectStatus(this.#self());
  }

  /**
   * Stops or restarts `target` (name or pid) in this process's subtree; null when it is not in
   * it. `ownerToken` must be the one this process gave its parent.
   */
  async control(ownerToken: string, action: 'stop' | 'restart', target: string): Promise<ControlOutcome | null> {
    if (this.#ownerToken !== undefined && !sameToken(ownerToken, this.#ownerToken)) {
      throw new InvalidArgumentError('control: only the process that spawned this one may stop or restart its children');
    }
    if (action !== 'stop' && action !== 'restart') throw new InvalidArgumentError(`control: action must be 'stop' or 'restart', got ${JSON.stringify(action)}`);
    if (typeof target !== 'string' || target === '') throw new InvalidArgumentError('control: the target must be a process name or pid');
    const self = this.#self();
    if (target === self.name || target === String(process.pid)) {
      throw new InvalidArgumentError(`${target} is not supervised by a zeroproc parent of this tree: it can only be stopped by a signal`);
    }
    if (readActorStatus().some((a) => a.id === target)) {
      throw new InvalidArgumentError(`${target} is an actor, not a process: stop it with host.stopActor(${JSON.stringify(target)})`);
    }
    return controlInTree(action, target);
  }
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
