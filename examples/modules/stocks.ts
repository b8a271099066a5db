/**
 * The three roles of the stock-quotes example (after Pyro's stockquotes), each used in its own
 * process: a market produces quotes, the aggregator receives them all and forwards each one to
 * the viewers that want its symbol, and a viewer keeps what it receives.
 */
import { getProcessName, release, withOptions, type Remote } from 'zeroproc';

export interface Quote {
  market: string;
  symbol: string;
  price: number;
}

/** What a viewer gives the aggregator: a function living in the viewer's process. */
export type Listener = (quote: Quote | { closed: string }) => void;

/** A market: a fixed, seeded series of quotes, sent to the aggregator in 'off' mode. */
export class Market {
  private seed: number;
  private readonly prices = new Map<string, number>();

  constructor(readonly name: string, symbols: Record<string, number>, seed: number) {
    this.seed = seed;
    for (const [symbol, price] of Object.entries(symbols)) this.prices.set(symbol, price);
  }

  async open(aggregator: Remote<Aggregator>, count: number): Promise<number> {
    // 'off': fire and forget, no reply to wait for; quotes leave as fast as they are made
    const feed = withOptions(aggregator, { mode: 'off' });
    const symbols = [...this.prices.keys()];
    for (let i = 0; i < count; i++) {
      const symbol = symbols[i % symbols.length]!;
      const price = Math.round((this.prices.get(symbol)! + this.random() * 4 - 2) * 100) / 100;
      this.prices.set(symbol, price);
      feed.quote({ market: this.name, symbol, price });
    }
    // A normal ('sync') call on the same connection arrives after every quote sent before it:
    // when it returns, the aggregator has seen them all.
    await aggregator.close(this.name);
    return count;
  }

  private random(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }
}

/** The aggregator: viewers subscribe with a callback; each quote goes to the interested ones. */
export class Aggregator {
  private readonly viewers = new Map<string, { symbols: Set<string>; listener: Remote<Listener> }>();
  received = 0;
  forwarded = 0;

  subscribe(viewer: string, symbols: string[], listener: Listener): void {
    // The viewer passed a function of its own; it arrives here as a proxy to that function
    // (TypeScript only knows what the caller passed: say what it is here).
    this.viewers.set(viewer, { symbols: new Set(symbols), listener: listener as unknown as Remote<Listener> });
    console.log(`${viewer} subscribed to ${symbols.join(', ')}`);
  }

  unsubscribe(viewer: string): void {
    const v = this.viewers.get(viewer);
    if (!v) return;
    this.viewers.delete(viewer);
    release(v.listener); // the viewer's process may free its callback now
    console.log(`${viewer} unsubscribed`);
  }

  viewerCount(): number {
    return this.viewers.size;
  }

  quote(q: Quote): void {
    this.received++;
    for (const { symbols, listener } of this.viewers.values()) {
      if (!symbols.has(q.symbol)) continue;
      withOptions(listener, { mode: 'off' })(q); // calls the viewer's function, forgets
      this.forwarded++;
    }
  }

  /** A market closed: make sure every viewer has got the quotes forwarded so far. */
  async close(market: string): Promise<void> {
    await Promise.all([...this.viewers.values()].map(({ listener }) => listener({ closed: market })));
  }
}

/** A viewer: subscribes with a callback and tallies the quotes it gets. */
export class Viewer {
  private readonly seen = new Map<string, number[]>();
  private aggregator: Remote<Aggregator> | undefined;

  async watch(aggregator: Remote<Aggregator>, symbols: string[]): Promise<void> {
    this.aggregator = aggregator;
    // A function passed to another process travels by reference: the aggregator calls it here.
    await aggregator.subscribe(getProcessName(), symbols, (q) => {
      if ('closed' in q) return console.log(`market ${q.closed} closed`);
      console.log(`${q.symbol.padEnd(4)} ${q.price.toFixed(2)} (${q.market})`);
      this.seen.set(q.symbol, [...(this.seen.get(q.symbol) ?? []), q.price]);
    });
  }

  /** Unsubscribes ('off'), then asks how many viewers remain: that call arrives after it. */
  async unwatch(): Promise<number> {
    withOptions(this.aggregator!, { mode: 'off' }).unsubscribe(getProcessName());
    return this.aggregator!.viewerCount();
  }

  report(): Array<{ symbol: string; quotes: number; last: number; low: number; high: number }> {
    return [...this.seen].sort(([a], [b]) => a.localeCompare(b)).map(([symbol, prices]) => ({
      symbol,
      quotes: prices.length,
      last: prices[prices.length - 1]!,
      low: Math.min(...prices),
      high: Math.max(...prices),
    }));
  }
}
