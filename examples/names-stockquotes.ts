/**
 * Stock quotes with a name server (after Pyro's stockquotes, phase 3): the aggregator and the
 * markets register; the viewers find the aggregator by name, and the markets are found with
 * `list('example.stockmarket.')` and fed to the aggregator they look up themselves.
 * Run: npx tsx examples/names-stockquotes.ts
 */
import { list, lookup, spawn, startNameServer } from 'zeroproc';

type Named = typeof import('./modules/named.js');
type Market = import('./modules/stocks.js').Market;
const named = new URL('./modules/named.ts', import.meta.url).href;

await using ns = await startNameServer({ address: 'tcp://127.0.0.1:*' });
process.env.ZEROPROC_NAMESERVER = ns.address;

const procs = await Promise.all(['aggregator', 'market-NASDAQ', 'market-NYSE', 'viewer'].map((name) => spawn({ name })));
try {
  const modules = [];
  // one after the other: each child compiles the module, CPU work that would contend
  for (const p of procs) modules.push(await p.import<Named>(named));
  const [agg, nasdaq, nyse, viewer] = modules;
  await agg!.serveAggregator();
  await nasdaq!.openMarket('NASDAQ', { AAPL: 190, MSFT: 410, GOOG: 140 }, 7);
  await nyse!.openMarket('NYSE', { IBM: 170, KO: 60, XOM: 105 }, 11);
  await viewer!.watchByName(['AAPL', 'IBM', 'KO']);

  const markets = await list('example.stockmarket.');
  console.log(`markets: ${markets.map((m) => `${m.name} [${m.metadata.symbols}]`).join(', ')}`);
  for (const m of markets) {
    const market = await lookup<Market>(m.name);
    console.log(`${m.name} sent ${await viewer!.feed(market, 6)} quotes`);
  }
  for (const r of await viewer!.viewerReport()) console.log(`viewer: ${r.symbol.padEnd(4)} ${r.quotes} quotes, last ${r.last.toFixed(2)}`);
} finally {
  await Promise.all(procs.map((p) => p.stop()));
}
