/**
 * Streaming (after Pyro's streaming, echoserver, hugetransfer and stockquotes phase 3 examples):
 * a method that returns an iterator, a generator or an async generator gives the caller a stream
 * it reads with `for await`; items come in batches, never more than the window ahead of the
 * reader, and `break` stops the producer in its own process.
 * Run: npx tsx examples/streaming.ts
 */
import { spawn } from 'zeroproc';

type Streams = typeof import('./modules/streams.js');
const MB = 1024 * 1024;
const url = new URL('./modules/streams.ts', import.meta.url).href;

const procs = await Promise.all(['streaming', 'market-NASDAQ', 'market-NYSE', 'aggregator'].map((name) => spawn({ name })));
try {
  const [server, nasdaq, nyse, agg] = await Promise.all(procs.map((p) => p.import<Streams>(url)));

  // Pyro's streaming example: a list is data, the rest arrive as streams.
  const streaming = await new server!.Streaming();
  const list = await streaming.list();
  console.log(`list (an array: ${Array.isArray(list)}): ${list.join(' ')}`);
  const iterated: number[] = [];
  for await (const x of await streaming.iterator()) iterated.push(x);
  console.log(`iterator: ${iterated.join(' ')}`);
  const generated: number[] = [];
  for await (const x of await streaming.generator()) generated.push(x);
  console.log(`generator: ${generated.join(' ')}`);
  const t0 = performance.now();
  const arrivals: string[] = [];
  for await (const x of await streaming.slowGenerator(100)) arrivals.push(`${x}@${Math.round((performance.now() - t0) / 100)}`);
  // each item arrives as it is made (about 100 ms apart), not all at the end
  console.log(`slow generator, item@tenths of a second: ${arrivals.join(' ')}`);
  const fib: number[] = [];
  for await (const x of await streaming.fibonacci()) {
    if (x > 1000) break;
    fib.push(x);
  }
  console.log(`fibonacci up to 1000: ${fib.join(' ')}`);

  // echoserver's generator
  const echo = await new server!.Echo();
  const words: string[] = [];
  for await (const word of await echo.generator()) words.push(word);
  console.log(`echo generator: ${words.join(', ')}`);

  // hugetransfer's download_chunks: 50 MB in 1 MB chunks, made as they are read
  let bytes = 0;
  let chunks = 0;
  const t1 = performance.now();
  for await (const chunk of await server!.downloadChunks(50 * MB, MB)) {
    bytes += chunk.length;
    chunks++;
  }
  const seconds = (performance.now() - t1) / 1000;
  console.log(`downloaded ${bytes / MB} MB in ${chunks} chunks of 1 MB (${Math.round(bytes / MB / seconds)} MB/s)`);

  // stockquotes phase 3: the markets stream quotes, the aggregator pulls both streams and
  // streams on what this viewer asked for
  const markets = [
    await new nasdaq!.Market('NASDAQ', { AAPL: 190, MSFT: 410, GOOG: 140 }, 7),
    await new nyse!.Market('NYSE', { IBM: 170, KO: 60, XOM: 105 }, 11),
  ];
  const aggregator = await new agg!.Aggregator();
  let seen = 0;
  for await (const q of await aggregator.quotes(markets, 12, ['AAPL', 'IBM', 'KO'])) {
    console.log(`  ${q.symbol.padEnd(4)} ${q.price.toFixed(2).padStart(7)} (${q.market})`);
    seen++;
  }
  console.log(`viewer got ${seen} quotes for AAPL, IBM, KO`);
} finally {
  await Promise.all(procs.map((p) => p.stop()));
}
