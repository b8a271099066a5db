/**
 * The dispatcher of the workers example (after Pyro's distributed-computing example): a queue of
 * work items that workers pull from, and the results they put back. It runs in its own process.
 */
export interface WorkItem {
  id: number;
  n: number;
}

export interface WorkResult extends WorkItem {
  factors: number[];
  worker: string;
}

export class Dispatcher {
  private readonly queue: WorkItem[] = [];
  /** Items handed out and not finished yet, with the worker that holds each. */
  private readonly held = new Map<number, { item: WorkItem; worker: string }>();
  private readonly results = new Map<number, WorkResult>();
  private total = 0;
  private waiters: Array<() => void> = [];

  submit(items: WorkItem[]): number {
    this.queue.push(...items);
    this.total += items.length;
    this.changed();
    return this.queue.length;
  }

  /** The next item for `worker`; waits while the queue is empty; null once everything is done. */
  async getWork(worker: string): Promise<WorkItem | null> {
    for (;;) {
      if (this.results.size === this.total) return null;
      const item = this.queue.shift();
      if (item) {
        this.held.set(item.id, { item, worker });
        this.changed();
        return item;
      }
      await this.nextChange();
    }
  }

  putResult(result: WorkResult): void {
    this.held.delete(result.id);
    this.results.set(result.id, result);
    this.changed();
  }

  /** Puts back in the queue what `worker` held (it died); returns the ids. */
  requeue(worker: string): number[] {
    const ids: number[] = [];
    for (const [id, { item, worker: holder }] of this.held) {
      if (holder !== worker) continue;
      this.held.delete(id);
      this.queue.unshift(item);
      ids.push(id);
    }
    this.changed();
    return ids;
  }

  /** Waits until at least `count` results are in and `worker` holds an item; returns what it holds. */
  async progress(count: number, worker: string): Promise<{ done: number; holding: number[] }> {
    for (;;) {
      const holding = [...this.held.values()].filter((h) => h.worker === worker).map((h) => h.item.id);
      if (this.results.size >= count && holding.length > 0) return { done: this.results.size, holding };
      await this.nextChange();
    }
  }

  /** Waits for every result; returns them ordered by item id. */
  async allResults(): Promise<WorkResult[]> {
    while (this.results.size < this.total) await this.nextChange();
    return [...this.results.values()].sort((a, b) => a.id - b.id);
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private changed(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
