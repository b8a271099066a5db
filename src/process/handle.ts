/**
 * The parent's handle on a spawned child: what users call (`import`, `stop`, `kill`, `wait`), the
 * events they watch (`exit`, `restart`, `giveup`), and the supervision loop that replaces a
 * crashed child according to the restart policy.
 */
import { EventEmitter } from 'node:events';
import { ProcessExitedError, type ExitInfo } from '../errors.js';
import { closeWhenIdle, IDLE_ORDER } from '../idle-exit.js';
import type { RPCClient } from '../rpc/client.js';
import type { ImportOptions } from '../rpc/options.js';
import type { Remote } from '../rpc/types.js';
import { removeOwnEndpoint } from '../transport/private-dir.js';
import { exitError, type ChildEnd } from './child-exit.js';
import { ChildRun } from './child-run.js';
import { checkSignal, resolveStopTimeout, type ResolvedSpawnOptions } from './options.js';
import { RestartTracker, type RestartDecision } from './restart-policy.js';
import { trackHandle, untrackHandle, type HandleFacts } from './status.js';

/** Payload of the `exit` event: one child process ended. */
export interface ProcessExitEvent extends ExitInfo {
  /** The pid of the child that ended. */
  pid: number;
  /** How long it ran after reporting ready, in ms. */
  uptime: number;
  /** True when the parent asked for it (`stop()`, `kill()`, `restart()`). */
  requested: boolean;
}

/** Payload of the `restart` event: a replacement child answers. */
export interface ProcessRestartEvent {
  /** Restarts of this handle so far, counting this one (from 1). */
  attempt: number;
  /** The back-off waited before starting it, in ms (as computed by the policy). */
  delay: number;
  /** The new child's pid. */
  pid: number;
  /** The pid of the child it replaces. */
  previousPid: number;
}

/** Payload of the `giveup` event: the restart policy stopped trying; the handle is finished. */
export interface ProcessGiveupEvent {
  /** Restarts made before giving up. */
  restarts: number;
  /** Why the policy gave up, in words. */
  reason: string;
  /** The last exit, the one not followed by a restart. */
  lastExit: ExitInfo;
  /** Why the last restart attempt failed (to start, or in `onRestart`), if it did. */
  lastError: Error | undefined;
}

/** Events of {@link ProcessHandle}. */
export interface ProcessHandleEvents {
  /** A child process ended (every run of the handle, restarts included). */
  exit: [ProcessExitEvent];
  /** A replacement child answers. */
  restart: [ProcessRestartEvent];
  /** The restart policy stopped trying: the handle is finished. */
  giveup: [ProcessGiveupEvent];
}

/** Options of {@link ProcessHandle.stop}. */
export interface StopOptions {
  /**
   * How long to wait for a clean exit after asking the server to close, and again after SIGTERM,
   * before escalating (ms, 0 to 2^31 - 1: a longer delay would make a Node timer fire at once).
   * Default 5000.
   */
  timeout?: number;
}

/**
 * `'running'`: a child is up. `'restarting'`: the last one exited and the policy is starting
 * another. `'stopping'`: `stop()`/`kill()` is under way. `'finished'`: no child will run again.
 */
export type ProcessState = 'running' | 'restarting' | 'stopping' | 'finished';

type Phase = 'running' | 'restarting' | 'finished';

/**
 * A spawned child, or the succession of children a restart policy keeps alive under one name.
 * Obtained from `spawn()`; `await using` stops it at the end of the scope.
 */
export class ProcessHandle extends EventEmitter<ProcessHandleEvents> implements AsyncDisposable {
  /** The name given at spawn (shown in `ps`, logs and errors). */
  readonly name: string;
  private readonly opts: ResolvedSpawnOptions;
  private readonly tracker: RestartTracker;
  private run: ChildRun;
  private phase: Phase = 'running';
  /** Runs the parent asked to end, and why; their exit is not a crash. */
  private readonly intent = new WeakMap<ChildRun, 'stop' | 'restart'>();
  /** Why the last restart attempt failed (to start, or in `onRestart`), if it did. */
  private lastStartError: Error | undefined;
  /** Set by stop()/kill(): no restart may follow. */
  private ending = false;
  private untrackIdle: () => void = () => undefined;
  /** The run being started by the supervision loop, awaited by import() and stop(). */
  private next: Promise<ChildRun | undefined> | undefined;
  private cancelBackoff: (() => void) | undefined;
  private readonly final: Promise<ExitInfo>;
  private settleFinal!: (exit: ExitInfo) => void;
  private waiters = 0;
  private keepAlive: NodeJS.Timeout | undefined;
  /** The last crash or failed restart, in words, for `zeroproc ps`. */
  private lastFailure: string | undefined;

  /** @internal Created by `spawn()` around the first run. */
  constructor(opts: ResolvedSpawnOptions, first: ChildRun) {
    super();
    this.name = opts.name;
    this.opts = opts;
    this.tracker = new RestartTracker(opts.restart);
    this.run = first;
    this.final = new Promise((resolve) => {
      this.settleFinal = resolve;
    });
    this.follow(first);
    // a daemon outlives the script by design; any other child is stopped once the script has
    // nothing left to do (while it restarts, someone will want it: the script is not idle then)
    if (!opts.detached) {
      this.untrackIdle = closeWhenIdle({ order: IDLE_ORDER.children, busy: () => this.phase === 'restarting', close: () => this.stop() });
    }
    trackHandle(this);
  }

  /** Pid of the current child (the last one, once finished). */
  get pid(): number {
    return this.run.pid;
  }

  /** Server endpoint of the current child. */
  get address(): string {
    return this.run.address;
  }

  /**
   * Client of the current child; after a restart, the new child's. A client of an exited child
   * fails every call with {@link ProcessExitedError}, and so do the proxies made through it.
   */
  get client(): RPCClient {
    return this.run.client;
  }

  /** The key that signs messages to this child (needed to reconnect to a detached one). */
  get authkey(): string | Uint8Array {
    return this.opts.authkey;
  }

  /**
   * The current child's owner token: with it, `RPCClient.connect(address, { authkey, ownerToken })`
   * may import and close there (needed to manage a detached one later); without it, only the
   * child's objects can be called.
   */
  get ownerToken(): string {
    return this.run.ownerToken;
  }

  /** Restarts so far. */
  get restarts(): number {
    return this.tracker.restarts;
  }

  /** @internal What `zeroproc ps` shows of this handle (see process/status.ts). */
  statusFacts(): HandleFacts {
    const live = this.phase === 'running' && this.run.exitInfo === undefined;
    const uptime = live ? performance.now() - this.run.startedAt : undefined;
    return {
      state: this.state,
      pid: this.run.pid,
      address: this.run.address,
      uptimeMs: uptime,
      restarts: this.tracker.restarts,
      restartBudget: this.tracker.budgetLeft(uptime ?? 0),
      lastError: this.lastStartError?.message ?? this.lastFailure,
      client: live ? this.run.client : undefined,
      ownerToken: this.run.ownerToken,
    };
  }

  /** Where the handle is in its life; see {@link ProcessState}. */
  get state(): ProcessState {
    if (this.phase === 'finished') return 'finished';
    return this.ending ? 'stopping' : this.phase;
  }

  /**
   * Imports a module in the child and returns a proxy to its namespace. Relative paths resolve
   * against the child's `cwd`; `.ts` modules load through tsx. Between a crash and its restart
   * it waits for the new child. It fails with TimeoutError after `options.timeout` ms (60 000).
   */
  async import<T = unknown>(specifier: string, options: ImportOptions = {}): Promise<Remote<T>> {
    const run = await this.current();
    return run.client.import<T>(specifier, options);
  }

  /**
   * Stops the child for good: its server closes and the process exits with code 0; if it does
   * not within `timeout`, SIGTERM, then SIGKILL. Cancels a pending restart. Resolves with the
   * exit status (idempotent).
   */
  async stop(options: StopOptions = {}): Promise<ExitInfo> {
    const timeout = resolveStopTimeout(options.timeout);
    return this.end((run) => run.stop(timeout));
  }

  /**
   * Sends `signal` (default SIGKILL) to end the child for good; resolves with its exit status.
   * An unknown signal name throws `InvalidArgumentError` and leaves the child as it was.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    const checked = checkSignal(signal);
    return this.end((run) => run.kill(checked));
  }

  /**
   * Resolves with the final exit status: after `stop()`/`kill()`, after an exit the policy does
   * not restart, or after `giveup`. Keeps this process alive while waiting (a handle alone does
   * not: a script that finished exits and takes its children with it).
   */
  wait(): Promise<ExitInfo> {
    return this.keepingAlive(this.final);
  }

  /** Awaits `promise` with this process kept alive: somebody is waiting on this handle. */
  private async keepingAlive<T>(promise: Promise<T>): Promise<T> {
    if (this.waiters++ === 0 && this.phase !== 'finished') this.keepAlive = setInterval(() => undefined, 2 ** 30);
    try {
      return await promise;
    } finally {
      if (--this.waiters === 0) clearInterval(this.keepAlive);
    }
  }

  /**
   * Replaces the child with a fresh one now: stops the current one gracefully, starts another
   * (not counted against the crash-loop limit) and resolves once it answers and `onRestart` ran.
   */
  async restart(options: StopOptions = {}): Promise<void> {
    const timeout = resolveStopTimeout(options.timeout);
    const run = await this.current();
    if (this.ending || this.phase === 'finished') {
      throw new ProcessExitedError(this.name, run.pid, run.exitInfo ?? { code: null, signal: null });
    }
    this.intent.set(run, 'restart');
    await run.stop(timeout);
    // onExit ran before stop() returned (it was subscribed first) and started the replacement
    const next = await this.next;
    if (!next) throw this.lastStartError ?? new ProcessExitedError(this.name, run.pid, run.exitInfo ?? { code: null, signal: null });
  }

  /** Stops the child (`await using handle = await spawn()`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The run calls should go to, waiting out a restart in progress (and keeping the process alive meanwhile). */
  private async current(): Promise<ChildRun> {
    if (this.phase === 'restarting' && this.next) {
      const run = await this.keepingAlive(this.next);
      if (run) return run;
    }
    return this.run;
  }

  private async end(how: (run: ChildRun) => Promise<ExitInfo>): Promise<ExitInfo> {
    this.ending = true;
    this.cancelBackoff?.();
    // once the attempt is back to 'running' its child is adopted and only onRestart is left:
    // the caller may be that hook, and waiting for the attempt would wait for itself
    if (this.next && this.phase === 'restarting') await this.next;
    if (this.phase !== 'finished') {
      this.intent.set(this.run, 'stop');
      await how(this.run);
    }
    return this.final;
  }

  private adopt(run: ChildRun): void {
    this.run = run;
    this.follow(run);
  }

  private follow(run: ChildRun): void {
    void run.ended.then((end) => this.onExit(run, end));
  }

  private onExit(run: ChildRun, end: ChildEnd): void {
    if (run !== this.run) return;
    const intent = this.intent.get(run);
    const uptime = performance.now() - run.startedAt;
    // announced once the handle moved on: its listeners see 'restarting' or 'finished', and an
    // import() of theirs waits for the next child instead of failing on this one
    const announce = (): void => {
      this.emit('exit', { ...end.exit, pid: run.pid, uptime, requested: intent !== undefined });
    };
    if (intent === 'restart' && !this.ending) {
      this.startNext({ attempt: this.tracker.countManualRestart(), delay: 0 }, run.pid);
      announce();
    } else if (intent === undefined) {
      if (end.exit.code !== 0) this.lastFailure = exitError(this.name, run.pid, end).message.split('\n').slice(0, 3).join(' ');
      this.supervise(this.tracker.onExit(end.exit, uptime), end.exit, run.pid, announce);
    } else {
      this.finish(end.exit);
      announce();
    }
  }

  /** Acts on a decision; `announce` emits the exit that led to it, before any `giveup`. */
  private supervise(decision: RestartDecision, lastExit: ExitInfo, previousPid: number, announce: () => void = () => undefined): void {
    if (this.ending || decision.action === 'none') {
      this.finish(lastExit);
      announce();
      return;
    }
    if (decision.action === 'giveup') {
      this.finish(lastExit);
      announce();
      this.emit('giveup', { restarts: decision.restarts, reason: decision.reason, lastExit, lastError: this.lastStartError });
      return;
    }
    this.startNext(decision, previousPid);
    announce();
  }

  private startNext(decision: { attempt: number; delay: number }, previousPid: number): void {
    this.phase = 'restarting';
    const next = this.restartAfter(decision, previousPid);
    this.next = next;
    // a newer attempt may have replaced this one meanwhile (the new child crashed in onRestart)
    void next.finally(() => {
      if (this.next === next) this.next = undefined;
    });
  }

  private async restartAfter(decision: { attempt: number; delay: number }, previousPid: number): Promise<ChildRun | undefined> {
    await new Promise<void>((resolve) => {
      // not unref'd timers would keep an idle parent alive; wait() is how a parent stays
      const timer = setTimeout(resolve, decision.delay).unref();
      this.cancelBackoff = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.cancelBackoff = undefined;
    if (this.ending) {
      this.finish(this.run.exitInfo ?? { code: null, signal: null });
      return undefined;
    }
    let run: ChildRun;
    try {
      run = await ChildRun.start(this.opts);
    } catch (error) {
      this.lastStartError = error as Error;
      // a child that cannot start counts as one that crashed at once
      const failed: ExitInfo = { code: null, signal: null };
      const self = this.next;
      this.supervise(this.tracker.onExit(failed, 0), this.run.exitInfo ?? failed, previousPid);
      // the next attempt, if the policy made one: whoever waits for this one waits for that
      return this.next !== self ? this.next : undefined;
    }
    this.adopt(run);
    try {
      await this.afterRestart(run, { ...decision, previousPid });
    } catch (error) {
      // onRestart failed: the new child lacks its state; its exit drives the next decision
      this.lastStartError = error as Error;
      const self = this.next;
      run.signal('SIGKILL');
      // onExit, subscribed when the run was adopted, has decided once this resolves; whoever
      // waits for this attempt waits for the next one, if the policy made one
      await run.ended;
      return this.next !== self ? this.next : undefined;
    }
    this.lastStartError = undefined;
    return run;
  }

  private async afterRestart(run: ChildRun, event: Omit<ProcessRestartEvent, 'pid'>): Promise<void> {
    // 'running' before the hook: the hook's own calls go to the new child instead of waiting for it
    this.phase = 'running';
    await this.opts.onRestart?.(this);
    this.emit('restart', { ...event, pid: run.pid });
  }

  private finish(exit: ExitInfo): void {
    if (this.phase === 'finished') return;
    this.phase = 'finished';
    // a detached child left its socket's directory (and, killed, its socket file) to this handle,
    // which could have started the next child there
    if (this.opts.detached) removeOwnEndpoint(this.opts.address);
    this.untrackIdle();
    untrackHandle(this);
    this.settleFinal(exit);
  }
}
