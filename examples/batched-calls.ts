/**
 * Batched calls (after Pyro's batchedcalls example): 200 calls recorded in a batch leave as one
 * message and run in order in the child; a batch stops at the first error and returns the results
 * up to it; calls to two servers in one batch keep their order.
 * Run: npx tsx examples/batched-calls.ts
 */
import { batch, spawn } from 'zeroproc';

type ThingyModule = typeof import('./modules/thingy.js');
const thingyUrl = new URL('./modules/thingy.ts', import.meta.url).href;

await using proc = await spawn({ name: 'thingy' });
const { Thingy } = await proc.import<ThingyModule>(thingyUrl);
const thingy = await new Thingy();

// Normal remote calls, one round trip each (awaited one by one, as Pyro's loop makes them).
let t0 = performance.now();
const normal: number[] = [];
for (let i = 0; i < 100; i++) {
  normal.push(await thingy.multiply(7, 6));
  normal.push(await thingy.add(10, 20));
}
const normalMs = performance.now() - t0;
console.log(`normal remote calls: ${normal.length} results, ${normalMs.toFixed(1)} ms`);

// The same calls in a batch: recorded here, sent together, run one after the other there.
t0 = performance.now();
const b = batch();
for (let i = 0; i < 100; i++) {
  b(thingy).multiply(7, 6);
  b(thingy).add(10, 20);
}
const { results, error } = await b.run();
const batchedMs = performance.now() - t0;
const sum = (results as number[]).reduce((s, x) => s + x, 0);
console.log(`batched remote calls: ${results.length} results (sum ${sum}), error: ${error ?? 'none'}, ${batchedMs.toFixed(1)} ms`);
console.log(`batched calls were ${(normalMs / batchedMs).toFixed(1)} times faster than awaited one by one`);

// A batch that fails part way: the results up to the error, the error, and nothing after it ran.
const failing = batch();
failing(thingy).divide(999, 3);
failing(thingy).ping();
failing(thingy).divide(999, 0); // throws in the child
failing(thingy).multiply(3, 4); // never runs
const partial = await failing.run();
console.log(`results before the error: ${JSON.stringify(partial.results)}`);
console.log(`the error: ${partial.error?.name}: ${partial.error?.message} (a RangeError here too: ${partial.error instanceof RangeError})`);
console.log(`calls that did not run: ${failing.size - partial.results.length - 1}`);

// Two servers in one batch: consecutive calls to one server go together, in the recorded order.
await using other = await spawn({ name: 'other-thingy' });
const otherThingy = await new (await other.import<ThingyModule>(thingyUrl)).Thingy();
const mixed = batch();
mixed(thingy).unlucky(7);
mixed(otherThingy).unlucky(12);
mixed(otherThingy).unlucky(13);
mixed(thingy).unlucky(14);
const across = await mixed.run();
console.log(`two servers: ${JSON.stringify(across.results)} then ${across.error?.name} from ${(across.error as { origin?: { server: string } })?.origin?.server}`);
