/**
 * What the streaming example's children serve: Pyro's streaming server, echoserver's generator,
 * hugetransfer's chunked download, and stockquotes' markets and aggregator (phase 3: quotes as
 * generators). Every method returns an iterable; the caller receives it as a stream.
 */
import { randomFillSync } from 'node:crypto';
import type { Remote } from 'zeroproc';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pyro's streaming example server. */
export class Streaming {
  /** A list is data: it arrives whole, as an array. */
  list(): number[] {
    return [1, 2, 3, 4, 5, 6, 7, 8, 9];
  }
  /** An iterator over a list arrives as a stream. */
  iterator(): IterableIterator<number> {
    return [1, 2, 3, 4, 5, 6, 7, 8, 9].values();
  }
  *generator(): Generator<number> {
    for (let i = 1; i <= 9; i++) yield i;
  }
  /** Each item takes a while: the consumer gets each one as soon as it is made. */
  async *slowGenerator(ms: number): AsyncGenerator<number> {
    for (let i = 1; i <= 5; i++) {
      await sleep(ms);
      yield i;
    }
  }
  /** Never ends by itself: the consumer breaks, and the `finally` here runs. */
  *fibonacci(): Generator<number> {
    let [a, b] = [1, 1];
    try {
      for (;;) {
        yield a;
        [a, b] = [b, a + b];
      }
    } finally {
      console.log(`fibonacci stopped after ${a}`);
    }
  }
}

/** echoserver's generator. */
export class Echo {
  *generator(): Generator<string> {
    yield* ['one', 'two', 'three'];
  }
}

/** hugetransfer's `download_chunks`: `size` bytes in chunks of `chunk` bytes, made as they are read. */
export function* downloadChunks(size: number, chunk: number): Generator<Buffer> {
  const block = randomFillSync(Buffer.alloc(chunk));
  for (let sent = 0; sent < size; sent += chunk) yield block.subarray(0, Math.min(chunk, size - sent));
}

/** A quote, as a market streams it. */
export interface Quote {
  market: string;
  symbol: string;
  price: number;
}

/** A market (stockquotes phase 3): its quotes are a stream, made from a fixed seed. */
export class Market {
  constructor(readonly name: string, private readonly prices: Record<string, number>, private seed: number) {}

  private random(): number {
    // a small linear congruential generator: the same seed makes the same quotes
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  async *quotes(count: number): AsyncGenerator<Quote> {
    const symbols = Object.keys(this.prices);
    for (let i = 0; i < count; i++) {
      const symbol = symbols[Math.floor(this.random() * symbols.length)]!;
      this.prices[symbol] = Math.round(this.prices[symbol]! * (0.98 + this.random() * 0.04) * 100) / 100;
      yield { market: this.name, symbol, price: this.prices[symbol]! };
    }
  }
}

/** The aggregator pulls the markets' streams itself and streams on the quotes a viewer asked for. */
export class Aggregator {
  async *quotes(markets: Remote<Market>[], count: number, symbols: string[]): AsyncGenerator<Quote> {
    const feeds = await Promise.all(markets.map((m) => m.quotes(count)));
    // round robin over the markets, so the order is the same on every run
    let open = feeds.map((f) => f[Symbol.asyncIterator]());
    while (open.length > 0) {
      const still: typeof open = [];
      for (const feed of open) {
        const step = await feed.next();
        if (step.done) continue;
        still.push(feed);
        if (symbols.includes(step.value.symbol)) yield step.value;
      }
      open = still;
    }
  }
}
