/**
 * The deadlines of one client's pending calls, on one timer. Calls are grouped by timeout: within
 * a group, the order calls were added is the order they expire, so expiring walks each group
 * from its front, and a call costs a map entry instead of a Node timer of its own (10,000
 * pipelined calls made 10,000 timers, a third of the caller's time went to collecting them).
 */
import { MAX_DELAY_MS } from '../delays.js';

export class Deadlines {
  /** timeout (ms) -> call id -> deadline (performance.now() ms), in the order calls were added */
  private readonly groups = new Map<number, Map<number, number>>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  /** `expire` is called once for each call whose deadline passed and that was not deleted. */
  constructor(private readonly expire: (id: number) => void) {}

  /** Starts the clock of call `id`: it expires `timeout` ms from now unless deleted first. */
  add(id: number, timeout: number): void {
    let group = this.groups.get(timeout);
    if (!group) this.groups.set(timeout, (group = new Map()));
    const deadline = performance.now() + timeout;
    group.set(id, deadline);
    if (deadline < this.armedFor) this.arm(deadline);
  }

  /** Stops the clock of call `id` (answered, cancelled). */
  delete(id: number, timeout: number): void {
    const group = this.groups.get(timeout);
    if (!group) return;
    group.delete(id);
    // a lone emptied group stays: a steady one-call-at-a-time caller would otherwise re-create
    // it for every call; among several (callers passing each call its own timeout) it goes
    if (group.size === 0 && this.groups.size > 1) this.groups.delete(timeout);
  }

  /** Forgets every call and stops the timer. */
  clear(): void {
    this.groups.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
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
    const due: Array<[deadline: number, id: number]> = [];
    let next = Infinity;
    for (const [timeout, group] of this.groups) {
      for (const [id, deadline] of group) {
        if (deadline > now) {
          next = Math.min(next, deadline);
          break;
        }
        group.delete(id);
        due.push([deadline, id]);
      }
      if (group.size === 0) this.groups.delete(timeout);
    }
    if (next < Infinity) this.arm(next);
    // a late wake-up (a long GC, a busy loop) finds several groups due: expire in deadline order
    due.sort((a, b) => a[0] - b[0]);
    for (const [, id] of due) this.expire(id);
  }
}
