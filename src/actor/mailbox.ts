/**
 * An actor's mailbox: a bounded FIFO with one drain loop and an injected `run(message)`. No I/O,
 * no timers: the cell decides what a message is and what running it means; the mailbox decides
 * only when it may start.
 *
 * The rules (docs/ACTORS.md, "Guarantees"):
 * - messages start in the order they were queued;
 * - an exclusive message starts only when no other exclusive message is running, and holds the
 *   turn until it settles (awaits included);
 * - an interleaving message (a `parallel` method, any message of a `reentrant` actor) starts as
 *   soon as it reaches the front, and never holds the turn;
 * - an admitted message (an ask of the call chain the actor is serving) skips the queue and the
 *   bound and starts on the next microtask, interleaving;
 * - past `max` queued messages `offer` refuses; `force` (control messages) never does.
 */

/** What the mailbox needs to know of its owner. */
export interface MailboxHandlers<M> {
  /** Queued messages allowed, the running ones not counted; `Infinity` for no bound. */
  max: number;
  /**
   * Runs one message. A returned promise holds the message's turn until it settles. Must not
   * throw or reject: failures are the owner's to handle.
   */
  run(message: M): void | PromiseLike<unknown>;
  /** Whether `message` may interleave with others at its awaits. */
  interleaves(message: M): boolean;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** A bounded FIFO of messages for one actor, run one turn at a time. */
export class Mailbox<M> {
  private queue: M[] = [];
  /** Index of the front of `queue`: shifting a long array on every message is quadratic. */
  private head = 0;
  private running = 0;
  private turnTaken = false;
  private scheduled = false;
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: MailboxHandlers<M>) {}

  /** Messages waiting to start. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Messages running (started, not settled). */
  get active(): number {
    return this.running;
  }

  /** How many queued messages satisfy `test` (a walk of the queue: for reports, not per message). */
  count(test: (message: M) => boolean): number {
    let n = 0;
    for (let i = this.head; i < this.queue.length; i++) if (test(this.queue[i]!)) n++;
    return n;
  }

  /** Queues `message`; false (and not queued) when the mailbox is full. */
  offer(message: M): boolean {
    if (this.size >= this.options.max) return false;
    this.force(message);
    return true;
  }

  /** Queues `message` whatever the bound: control messages are never refused. */
  force(message: M): void {
    this.queue.push(message);
    this.schedule();
  }

  /** Starts `message` on the next microtask, ahead of the queue, without taking the turn. */
  admit(message: M): void {
    this.running++;
    queueMicrotask(() => this.start(message, false, true));
  }

  /** Removes and returns every queued message (the actor stops). */
  takeQueued(): M[] {
    const taken = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    return taken;
  }

  /** Resolves once no message is running (at once if none is). */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const message = this.queue[this.head]!;
        const interleaves = this.options.interleaves(message);
        if (!interleaves && this.turnTaken) return;
        this.queue[this.head++] = undefined as M;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        this.running++;
        this.start(message, !interleaves, false);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Runs a message already counted in `running`. */
  private start(message: M, takesTurn: boolean, admitted: boolean): void {
    if (takesTurn) this.turnTaken = true;
    const result = this.options.run(message);
    if (isThenable(result)) {
      const finish = (): void => this.finish(takesTurn, true);
      result.then(finish, finish);
    } else {
      this.finish(takesTurn, admitted);
    }
  }

  private finish(tookTurn: boolean, later: boolean): void {
    this.running--;
    if (tookTurn) this.turnTaken = false;
    if (this.running === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
    // settled outside the drain loop: the next message may now start
    if (later) this.schedule();
  }
}
