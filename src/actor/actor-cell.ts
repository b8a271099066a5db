/**
 * One live actor: its instance, mailbox and timers; its lifecycle; what running one message
 * means (one at a time, awaits included, unless it interleaves); what a throw does.
 */
import { randomBytes } from 'node:crypto';
import type winston from 'winston';
import { rateLimited } from '../diagnostics.js';
import { ActorStoppedError, InvalidArgumentError, QueueFullError } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { CallState, runInCall, trackCalls } from '../rpc/call-context.js';
import { memberRefusal } from '../rpc/exposure.js';
import type { PeerInfo } from '../rpc/messages.js';
import { constructAs, type ActorIdentity } from './actor.js';
import type { ActorHost } from './host.js';
import { Mailbox } from './mailbox.js';
import type { ActorDeclarations } from './options.js';

/** Where an ask's answer goes; undefined on a tell. */
export interface Reply {
  /** True once answered, timed out or cancelled: a message still queued is then dropped. */
  readonly settled: boolean;
  settle(ok: boolean, value: unknown): void;
  /** Set while the message runs, so a timeout or cancel can abort its signal. */
  running: CallState | undefined;
}

/** One message for an actor. */
export interface Envelope {
  /** `call` a method, `get` an attribute, or `run` a callback registered inside the actor. */
  kind: 'call' | 'get' | 'run';
  name: string;
  args: unknown[];
  callback?: () => void;
  /** The call chain the sender was serving, if any. */
  chain: string | undefined;
  caller: PeerInfo | undefined;
  reply: Reply | undefined;
  interleaves: boolean;
  /** When the asker stops waiting (`performance.now()` ms), if it does. */
  deadline?: number | undefined;
}

/**
 * The context an actor's message runs in (`currentCall()` inside it). Its chain id is made, and
 * the actor marked as serving it, only when something reads it (a call made while serving the
 * message): most messages make no call, and a fresh id and a map entry per message cost a fifth
 * of an in-process tell.
 */
export class ActorContext extends CallState {
  /** Whether the cell counts this context's chain as served. */
  serving = false;

  constructor(caller: PeerInfo | undefined, chain: string | undefined, schedule: (callback: () => void) => void, deadline: number | undefined, readonly cell: ActorCell) {
    super(caller, chain, schedule, deadline);
  }

  override get chain(): string {
    if (!this.serving) {
      this.chainId ??= `${chainPrefix}${++chainCount}`;
      this.serving = true;
      this.cell.enter(this.chainId);
    }
    return this.chainId!;
  }

  /** Ends the message: its chain is no longer served (if it ever was). */
  leave(): void {
    if (this.serving) this.cell.leave(this.chainId!);
  }
}

/** Names no message may use: lifecycle hooks, the base class's plumbing, private members. */
const RESERVED = new Set(['constructor', 'onStart', 'onStop', 'host', 'self', 'log', 'then']);

// chain ids only need to be unique: a random process prefix and a counter
const chainPrefix = `${randomBytes(6).toString('base64url')}.`;
let chainCount = 0;

/** Throws unless `name` may be the target of a message. */
export function checkMessageName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || RESERVED.has(name) || name.startsWith('_') || name.startsWith('#')) {
    throw new InvalidArgumentError(`${JSON.stringify(name)} is not a message an actor answers (lifecycle hooks, plumbing and _private members are not)`);
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** The live state of one actor in its host. */
export class ActorCell {
  /** `running` from construction on; `stopping` while running messages finish. */
  state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';
  /** Tells refused by a full mailbox. */
  dropped = 0;
  /** Queued asks whose caller gave up before they ran. */
  expired = 0;
  /** Messages accepted for delivery (queued, admitted or forced), for `zeroproc ps`. */
  received = 0;
  /** Messages that ran to completion or failure. */
  processed = 0;
  /** Asks running now (the queued ones are counted in the mailbox when asked). */
  asksRunning = 0;
  readonly mailbox: Mailbox<Envelope>;
  private logger: winston.Logger | undefined;
  /** Timers that deliver to this actor or were started by it; stopped with it. */
  readonly timers = new Set<{ stop(): void }>();
  private instance!: object;
  private readonly serving = new Map<string, number>();
  private stopped: Promise<void> | undefined;
  private readonly reportDropped = rateLimited('warn');
  private readonly reportDead = rateLimited('warn');

  constructor(
    readonly host: ActorHost,
    readonly id: string,
    readonly url: string,
    private readonly Class: new (...args: never[]) => object,
    private readonly args: unknown[],
    readonly declarations: ActorDeclarations,
    max: number,
    /** This actor's reference in its own process (what `self` and `lookup` give). */
    readonly ref: object,
  ) {
    // timers, callbacks and asks read the message's context after its awaits
    trackCalls();
    this.mailbox = new Mailbox<Envelope>({
      max,
      run: (env) => this.run(env),
      interleaves: (env) => env.interleaves,
    });
  }

  /** The name of the actor's class (shown by `zeroproc ps`). */
  get className(): string {
    return this.Class.name;
  }

  /** The actor's logger, made on first use: most actors of a large host never log. */
  get log(): winston.Logger {
    return (this.logger ??= getLogger(`actor:${this.id}`));
  }

  /** Builds the instance and runs `onStart`. */
  async start(): Promise<void> {
    this.build();
    await this.callHook('onStart');
    if (this.state === 'starting') this.state = 'running';
  }

  private build(): void {
    const cell = this;
    const identity: ActorIdentity = { id: this.id, host: this.host, self: this.ref, url: this.url, get log() { return cell.log; } };
    this.instance = constructAs(identity, () => new this.Class(...(this.args as never[])));
  }

  private async callHook(name: 'onStart' | 'onStop'): Promise<void> {
    const hook = (this.instance as Record<string, unknown>)[name];
    if (typeof hook === 'function') await runInCall(this.context(undefined, undefined), () => hook.call(this.instance));
  }

  /**
   * Why message `name` is refused before it is queued: an actor whose class lists its messages
   * (`static expose`) answers nothing else, as any object with a list. Undefined when it may go.
   */
  refusal(name: string): Error | undefined {
    return this.declarations.expose ? memberRefusal(this.instance, name) : undefined;
  }

  /** Whether the actor takes messages. */
  get accepting(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  /**
   * Delivers one message: an ask of the chain the actor is serving is let in at once; anything
   * else waits its turn, or is refused when the mailbox is full.
   */
  deliver(env: Envelope): void {
    if (!this.accepting) {
      if (env.reply) env.reply.settle(false, new ActorStoppedError(`actor ${JSON.stringify(this.id)} is stopped: ${describe(env)} was not delivered`, this.id));
      else this.reportDead(`actor ${this.id} is stopped: ${describe(env)} was dropped`);
      return;
    }
    if (env.reply && env.chain !== undefined && this.serving.has(env.chain)) {
      this.received++;
      this.mailbox.admit(env);
      return;
    }
    if (env.kind === 'run') {
      this.received++;
      this.mailbox.force(env);
      return;
    }
    if (this.mailbox.offer(env)) {
      this.received++;
      return;
    }
    if (env.reply) {
      env.reply.settle(false, new QueueFullError(`actor ${JSON.stringify(this.id)}: mailbox full (${this.mailbox.size} queued), ${describe(env)} refused`));
    } else {
      this.dropped++;
      this.reportDropped(`actor ${this.id}: mailbox full (${this.mailbox.size} queued), dropped ${describe(env)} (${this.dropped} tells dropped so far)`);
    }
  }

  /** Runs a callback registered inside the actor as one of its messages. */
  readonly schedule = (callback: () => void): void => {
    this.deliver({ kind: 'run', name: 'callback', args: [], callback, chain: undefined, caller: undefined, reply: undefined, interleaves: false });
  };

  private context(caller: PeerInfo | undefined, chain: string | undefined, deadline?: number): ActorContext {
    return new ActorContext(caller, chain, this.schedule, deadline, this);
  }

  /** Runs one message, counted for `zeroproc ps`. */
  private run(env: Envelope): void | Promise<unknown> {
    const ask = env.reply !== undefined;
    if (ask) this.asksRunning++;
    const result = this.runOne(env);
    if (!result) return (ask ? this.askDone : this.messageDone)();
    // two shared handlers rather than a closure per message: this is the per-message path
    return ask ? result.then(this.askDone, this.askDone) : result.then(this.messageDone, this.messageDone);
  }

  private readonly messageDone = (): void => {
    this.processed++;
  };

  private readonly askDone = (): void => {
    this.processed++;
    this.asksRunning--;
  };

  /** Asks waiting in the mailbox plus those running. */
  inFlightAsks(): number {
    return this.asksRunning + this.mailbox.count((env) => env.reply !== undefined && !env.reply.settled);
  }

  private runOne(env: Envelope): void | Promise<unknown> {
    const reply = env.reply;
    if (reply?.settled) {
      this.expired++;
      return;
    }
    const context = this.context(env.caller, env.chain, env.deadline);
    if (reply) reply.running = context;
    let result: unknown;
    try {
      result = runInCall(context, () => this.perform(env));
    } catch (err) {
      context.leave();
      return this.failed(env, err);
    }
    if (!isThenable(result)) {
      context.leave();
      reply?.settle(true, this.answer(result));
      return;
    }
    return Promise.resolve(result).then(
      (value) => {
        context.leave();
        reply?.settle(true, this.answer(value));
      },
      (err) => {
        context.leave();
        return this.failed(env, err);
      },
    );
  }

  /** @internal A message started serving `chain` (it made a call that carries it). */
  enter(chain: string): void {
    this.serving.set(chain, (this.serving.get(chain) ?? 0) + 1);
  }

  /** @internal A message that served `chain` ended. */
  leave(chain: string): void {
    const n = this.serving.get(chain)! - 1;
    if (n === 0) this.serving.delete(chain);
    else this.serving.set(chain, n);
  }

  private perform(env: Envelope): unknown {
    if (env.kind === 'run') return env.callback!();
    const member = (this.instance as Record<string, unknown>)[env.name];
    if (env.kind === 'get') return typeof member === 'function' ? undefined : member;
    if (typeof member !== 'function') throw new InvalidArgumentError(`actor ${JSON.stringify(this.id)} has no method ${JSON.stringify(env.name)}`);
    return Reflect.apply(member, this.instance, env.args);
  }

  /** The instance never leaves as itself: it becomes its reference. */
  private answer(value: unknown): unknown {
    return value === this.instance ? this.ref : value;
  }

  /** Answers a failed ask; logs a failed tell and applies `onError` (a restart holds the turn). */
  private failed(env: Envelope, err: unknown): void | Promise<void> {
    if (env.reply) {
      env.reply.settle(false, err);
      return;
    }
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.log.error(`actor ${this.id}: ${describe(env)} failed: ${stack}`);
    const policy = this.declarations.onError;
    if (policy === 'stop') void this.host.stopActor(this.id);
    else if (policy === 'restart') return this.restart();
  }

  /** Rebuilds the instance from its constructor arguments (after a failure, with `onError: 'restart'`). */
  private async restart(): Promise<void> {
    if (!this.accepting) return;
    try {
      await this.callHook('onStop');
      this.build();
      await this.callHook('onStart');
    } catch (err) {
      this.log.error(`actor ${this.id}: restart failed, stopping: ${err instanceof Error ? err.stack : String(err)}`);
      void this.host.stopActor(this.id);
    }
  }

  /**
   * Stops the actor: its timers end, queued asks reject with ActorStoppedError, running
   * messages finish, then `onStop` runs. Later messages fail at once.
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  private async stopNow(): Promise<void> {
    this.state = 'stopping';
    for (const timer of [...this.timers]) timer.stop();
    for (const env of this.mailbox.takeQueued()) {
      env.reply?.settle(false, new ActorStoppedError(`actor ${JSON.stringify(this.id)} was stopped before ${describe(env)} ran`, this.id));
    }
    await this.mailbox.idle();
    try {
      await this.callHook('onStop');
    } catch (err) {
      this.log.error(`actor ${this.id}: onStop failed: ${err instanceof Error ? err.stack : String(err)}`);
    }
    this.state = 'stopped';
  }
}

function describe(env: Envelope): string {
  if (env.kind === 'run') return 'a callback';
  return env.kind === 'get' ? `read of ${env.name}` : `${env.reply ? 'ask' : 'tell'} ${env.name}()`;
}
