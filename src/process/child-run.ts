/**
 * One run of one child process, from spawn to exit: start it, hand it its config, connect
 * a client, wire its exit into that client, and end it on request with escalation. A handle owns
 * a sequence of runs (one per restart).
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { SpawnError, TimeoutError, type ExitInfo } from '../errors.js';
import { RPCClient } from '../rpc/client.js';
import { BOOTSTRAP_TAG, NAME_ARG, type ChildConfig } from './bootstrap-protocol.js';
import { dropClientsOfProcess } from '../rpc/local.js';
import { exitError, watchExit, type ChildEnd } from './child-exit.js';
import { deathSignalPrefix } from './death-signal.js';
import { ChildOutput } from './child-output.js';
import { handshake } from './handshake.js';
import { planLaunch } from './launch-plan.js';
import { trackChild, untrackChild } from './live-children.js';
import type { ResolvedSpawnOptions } from './options.js';
import { LOG_ADDRESS_ENV, LOG_LEVEL_ENV, PROCESS_NAME_ENV } from './output-sink.js';

/**
 * How long a lost connection waits for the child's exit to explain it, in ms: a disconnect that
 * is really an exit is reported as the exit; anything else as a plain disconnect.
 */
const EXPLAIN_DISCONNECT_MS = 1000;

/** Resolves `true` if `promise` settles within `ms`, else `false`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true), expired]).finally(() => clearTimeout(timer));
}

function childEnv(opts: ResolvedSpawnOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...opts.env, [PROCESS_NAME_ENV]: opts.name };
  if (opts.logServer !== undefined) env[LOG_ADDRESS_ENV] = opts.logServer;
  if (opts.logLevel !== undefined) env[LOG_LEVEL_ENV] = opts.logLevel;
  return env;
}

/**
 * What is wrong with a child's cwd, if anything: the kernel reports a missing cwd as the
 * program's ENOENT (`spawn .../node ENOENT`), which blames the wrong path.
 */
function cwdProblem(cwd: string | undefined): string | undefined {
  if (cwd === undefined) return undefined;
  try {
    return statSync(cwd).isDirectory() ? undefined : `its cwd ${cwd} is not a directory`;
  } catch (error) {
    return `its cwd ${cwd} cannot be used: ${(error as Error).message}`;
  }
}

/** Opens a detached child's output file for appending; a failure is the spawn's failure. */
function openOutputFile(name: string, path: string): number {
  try {
    return openSync(path, 'a');
  } catch (error) {
    throw new SpawnError(`cannot start ${name}: cannot open its outputFile: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/** A started child: answers calls through {@link client} until it exits. */
export class ChildRun {
  readonly name: string;
  readonly pid: number;
  /** The child's server endpoint (with the real port). */
  readonly address: string;
  /** What lets a client import and close on the child's server (see `ClientOptions.ownerToken`). */
  readonly ownerToken: string;
  readonly client: RPCClient;
  /** `performance.now()` when the child reported ready. */
  readonly startedAt: number;
  /** Settles when the child ended. */
  readonly ended: Promise<ChildEnd>;
  private readonly child: ChildProcess;
  private end: ChildEnd | undefined;

  private constructor(fields: { name: string; pid: number; address: string; ownerToken: string; client: RPCClient; child: ChildProcess; ended: Promise<ChildEnd> }) {
    this.name = fields.name;
    this.pid = fields.pid;
    this.address = fields.address;
    this.ownerToken = fields.ownerToken;
    this.client = fields.client;
    this.child = fields.child;
    this.ended = fields.ended;
    this.startedAt = performance.now();
    void this.ended.then((end) => {
      this.end = end;
    });
  }

  /** Starts a child and resolves once a client to it answered; rejects with {@link SpawnError}. */
  static async start(opts: ResolvedSpawnOptions): Promise<ChildRun> {
    const deadline = performance.now() + opts.startTimeout;
    const plan = planLaunch(opts.typescript);
    const deathSignal = opts.detached ? undefined : await deathSignalPrefix();
    const command = [...(deathSignal ?? []), process.execPath, ...plan.execArgv, ...opts.execArgv, plan.entry, NAME_ARG, opts.name];
    const outputFd = opts.outputFile !== undefined ? openOutputFile(opts.name, opts.outputFile) : undefined;
    const childStdio = opts.detached ? (outputFd ?? 'ignore') : 'pipe';
    let child: ChildProcess;
    try {
      child = spawn(command[0]!, command.slice(1), {
        cwd: opts.cwd,
        // an `undefined` value overrides the parent's variable, and Node leaves it out
        env: { ...process.env, ...childEnv(opts) },
        stdio: ['ignore', childStdio, childStdio, 'ipc'],
        serialization: 'advanced',
        detached: opts.detached,
      });
    } catch (error) {
      throw new SpawnError(`cannot start ${opts.name}: ${cwdProblem(opts.cwd) ?? (error as Error).message}`, undefined, { cause: error });
    } finally {
      if (outputFd !== undefined) closeSync(outputFd);
    }
    // 'error' says why a child was never created (a missing cwd or executable: Node throws at
    // once for the rest), or that a later signal or IPC send failed, which the exit explains;
    // unheard, it would throw in this process
    const failed = new Promise<Error>((resolve) => child.on('error', resolve));
    const pid = child.pid;
    if (pid === undefined) {
      // never created: no 'exit' will come
      const cause = await failed;
      throw new SpawnError(`cannot start ${opts.name}: ${cwdProblem(opts.cwd) ?? cause.message}`, undefined, { cause });
    }
    if (!opts.detached) trackChild(pid);
    const output = new ChildOutput({ name: opts.name, pid, stdout: child.stdout, stderr: child.stderr, tailLines: opts.stderrTailLines });
    const ended = watchExit(child, output.ended, () => output.stderrTail());
    void ended.then(() => {
      untrackChild(pid);
    });

    const abort = async (error: unknown): Promise<never> => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await ended;
      throw error;
    };

    const config: ChildConfig = {
      tag: BOOTSTRAP_TAG,
      type: 'config',
      name: opts.name,
      address: opts.address,
      authkey: opts.authkey,
      detached: opts.detached,
      typescript: opts.typescript,
      tsxLoaded: plan.tsxLoaded,
      preload: opts.preload,
      // without a death signal, only a watchdog thread ends a child whose main thread is busy
      watchdog: opts.watchdog ?? deathSignal === undefined,
      allowImport: opts.allowImport,
    };
    const ready = await handshake(child, config, { name: opts.name, timeout: opts.startTimeout, exited: ended }).catch(abort);
    let client: RPCClient;
    try {
      const connecting = RPCClient.connect(ready.address, { authkey: opts.authkey, ownerToken: ready.ownerToken, ...(opts.callTimeout ? { timeout: opts.callTimeout } : {}) });
      // the client's timeout is its calls' default, so the start deadline is enforced out here
      connecting.catch(() => undefined);
      const left = deadline - performance.now();
      if (!(await within(connecting, Math.max(0, left)))) throw new TimeoutError(`${opts.name} did not answer within ${opts.startTimeout} ms`);
      client = await connecting;
    } catch (error) {
      return abort(new SpawnError(`${opts.name} started but does not answer: ${(error as Error).message}`, undefined, { cause: error }));
    }

    const run = new ChildRun({ name: opts.name, pid: ready.pid, address: ready.address, ownerToken: ready.ownerToken, client, child, ended });
    run.wire(opts.detached);
    return run;
  }

  /** Exit status once the child ended, else `undefined`. */
  get exitInfo(): ExitInfo | undefined {
    return this.end?.exit;
  }

  /** Connects the child's fate to its client and lets the parent exit without waiting for it. */
  private wire(detached: boolean): void {
    void this.ended.then((end) => {
      this.client.fail(exitError(this.name, this.pid, end));
      // what the child held of this process's objects is freed now, not at the peer timeout
      dropClientsOfProcess(this.pid, this.client.server?.server);
    });
    this.client.explainDisconnect = async () =>
      (await within(this.ended, EXPLAIN_DISCONNECT_MS)) && this.end ? exitError(this.name, this.pid, this.end) : undefined;
    // a parent that has nothing left to do exits (its exit handler ends attached children);
    // whoever wants to wait for a child says so with wait()
    this.child.unref();
    this.child.channel?.unref();
    if (detached) this.child.disconnect();
  }

  /** Sends `signal` to the child if it still runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.end) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // exited in between
    }
  }

  /**
   * Ends the child: asks its server to close and waits `timeout` ms for a clean exit, then sends
   * SIGTERM (and SIGCONT, so a stopped child can act on it) and waits again, then SIGKILL.
   */
  async stop(timeout: number): Promise<ExitInfo> {
    if (this.end) return this.end.exit;
    // the reply may never come (a stopped or busy child); the exit is what counts
    this.client.closeServer().catch(() => undefined);
    if (!(await within(this.ended, timeout))) {
      this.signal('SIGTERM');
      this.signal('SIGCONT');
      if (!(await within(this.ended, timeout))) this.signal('SIGKILL');
    }
    return (await this.ended).exit;
  }

  /** Sends `signal` and resolves when the child exited. */
  async kill(signal: NodeJS.Signals): Promise<ExitInfo> {
    this.signal(signal);
    return (await this.ended).exit;
  }
}
