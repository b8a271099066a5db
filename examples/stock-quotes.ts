/**
 * Stock quotes (after Pyro's stockquotes): two markets produce quotes, an aggregator gathers
 * them and forwards each to the viewers that subscribed to its symbol, all in separate
 * processes. Quotes travel as 'off' (one-way) calls; viewers subscribe with a callback.
 * Each market sends a fixed, seeded series, so the final report is always the same.
 * Run: npx tsx examples/stock-quotes.ts
 */
import { spawn } from 'zeroproc';

type Stocks = typeof import('./modules/stocks.js');
const QUOTES_PER_MARKET = 12;
const stocksUrl = new URL('./modules/stocks.ts', import.meta.url).href;

const names = ['aggregator', 'market-NASDAQ', 'market-NYSE', 'viewer-1', 'viewer-2'];
const procs = await Promise.all(names.map((name) => spawn({ name })));
try {
  const [agg, nasdaq, nyse, v1, v2] = await Promise.all(procs.map((p) => p.import<Stocks>(stocksUrl)));
  // One object per process; the parent only wires them together.
  const aggregator = await new agg!.Aggregator();
  const markets = [
    await new nasdaq!.Market('NASDAQ', { AAPL: 190, MSFT: 410, GOOG: 140 }, 7),
    await new nyse!.Market('NYSE', { IBM: 170, KO: 60, XOM: 105 }, 11),
  ];
  const viewers = { 'viewer-1': await new v1!.Viewer(), 'viewer-2': await new v2!.Viewer() };
  // The viewers get a proxy to the aggregator and subscribe to it with a callback of their own.
  await viewers['viewer-1'].watch(aggregator, ['AAPL', 'IBM']);
  await viewers['viewer-2'].watch(aggregator, ['MSFT', 'GOOG', 'KO']);

  // The markets open, send their quotes and close.
  const sent = await Promise.all(markets.map((m) => m.open(aggregator, QUOTES_PER_MARKET)));
  console.log(`markets sent ${sent.join(' + ')} quotes; aggregator received ${await aggregator.received}, forwarded ${await aggregator.forwarded}`);

  for (const [name, viewer] of Object.entries(viewers)) {
    console.log(`${name} report:`);
    for (const r of await viewer.report()) {
      console.log(`  ${r.symbol.padEnd(4)} ${r.quotes} quotes, last ${r.last.toFixed(2)}, low ${r.low.toFixed(2)}, high ${r.high.toFixed(2)}`);
    }
  }
  for (const [name, viewer] of Object.entries(viewers)) console.log(`${name} unsubscribed; viewers left: ${await viewer.unwatch()}`);
} finally {
  await Promise.all(procs.map((p) => p.stop()));
}
