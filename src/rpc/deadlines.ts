/**
 * The deadlines of many waiting calls, on one timer. Calls are grouped by timeout: within a
 * group, the order calls were added is the order they expire, so each group is a queue in
 * arrival order, expiring walks each queue from its front, and a call costs one slot of an
 * array rather than a Node timer (10,000 pipelined calls made 10,000 timers, a third of the
 * caller's time went to collecting them) or a map entry (2 us per call with two map updates).
 */
import { MAX_DELAY_MS } from '../delays.js';

/** What {@link Deadlines} keeps for one waiting call: the call's own object, not a copy. */
export interface Timed {
  /** ms; the call's group. */
  readonly timeout: number;
  /** When it expires (`performance.now()` ms); set by {@link Deadlines.add}. */
  deadline: number;
  /** Whether its clock runs: true from `add` until `delete` or its expiry. */
  timing: boolean;
}

/** One group's calls in the order they were added; the slots before `head` are spent. */
interface Queue<T> {
  items: (T | undefined)[];
  head: number;
  /** Calls in the queue still timing. */
  live: number;
}

/** Spent slots a queue may keep before it is compacted. */
const SPARE = 1024;

export class Deadlines<T extends Timed> {
  private readonly groups = new Map<number, Queue<T>>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  /** `expire` is called once for each call whose deadline passed and that was not deleted. */
  constructor(private readonly expire: (call: T) => void) {}

  /** Starts the clock of `call`: it expires `call.timeout` ms from now unless deleted first. */
  add(call: T): void {
    let queue = this.groups.get(call.timeout);
    if (!queue) this.groups.set(call.timeout, (queue = { items: [], head: 0, live: 0 }));
    const deadline = performance.now() + call.timeout;
    call.deadline = deadline;
    call.timing = true;
    queue.items.push(call);
    queue.live++;
    if (deadline < this.armedFor) this.arm(deadline);
  }

  /** Stops the clock of `call` (answered, cancelled); a call not timing is left alone. */
  delete(call: T): void {
    if (!call.timing) return;
    call.timing = false;
    const queue = this.groups.get(call.timeout);
    if (!queue) return;
    queue.live--;
    this.trim(queue, call.timeout);
  }

  /** Forgets every call and stops the timer. */
  clear(): void {
    for (const queue of this.groups.values()) {
      for (let i = queue.head; i < queue.items.length; i++) {
        const call = queue.items[i];
        if (call) call.timing = false;
      }
    }
    this.groups.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  /**
   * Drops spent slots. Answers mostly come in the order of their calls, so the front moves on;
   * one slow call at the front would keep every answered call behind it, so a queue holding far
   * more spent slots than live calls is compacted (each slot is moved at most once per halving).
   */
  private trim(queue: Queue<T>, timeout: number): void {
    const { items } = queue;
    while (queue.head < items.length && !items[queue.head]!.timing) items[queue.head++] = undefined;
    if (queue.head === items.length) {
      // a lone emptied group stays: a steady one-call-at-a-time caller would otherwise re-create
      // it for every call; among several (callers passing each call its own timeout) it goes
      if (this.groups.size > 1) this.groups.delete(timeout);
      items.length = 0;
      queue.head = 0;
      return;
    }
    const spent = items.length - queue.live;
    if (spent > SPARE && spent > queue.live) {
      let kept = 0;
      for (let i = queue.head; i < items.length; i++) {
        const call = items[i]!;
        if (call.timing) items[kept++] = call;
      }
      items.length = kept;
      queue.head = 0;
    }
  }

  // Unref'd: a client with calls pending keeps the process alive through its open socket; the
  // timer must not keep alive a process whose client was closed without pending calls.
  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    // a deadline beyond the longest delay is re-armed by fire() until it is near
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_DELAY_MS, Math.max(0, at - performance.now())));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    const due: T[] = [];
    let next = Infinity;
    for (const [timeout, queue] of this.groups) {
      const { items } = queue;
      for (let i = queue.head; i < items.length; i++) {
        const call = items[i]!;
        if (!call.timing) continue;
        if (call.deadline > now) {
          next = Math.min(next, call.deadline);
          break;
        }
        call.timing = false;
        queue.live--;
        due.push(call);
      }
      this.trim(queue, timeout);
    }
    if (next < Infinity) this.arm(next);
    // a late wake-up (a long GC, a busy loop) finds several groups due: expire in deadline order
    due.sort((a, b) => a.deadline - b.deadline);
    for (const call of due) this.expire(call);
  }
}
