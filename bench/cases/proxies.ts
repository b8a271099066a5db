// zeroproc case 7: 1,000 live proxies created and released. Absolute targets, no baseline:
// - every object the child's server handed out is gone from its table once the proxies are
//   released (objects left = count after release - count before creation);
// - the releases are batched: the 1,000 release() calls of one tick leave in one message, so the
//   client's socket does one send for all of them.
import { release, withOptions } from '../../dist/src/rpc/proxy.js';
import { valueAtMost, type BenchCase, type RunContext } from '../harness.js';
import { childFixture, within, type ProcessHandle, type Remote, type Target } from '../zeroproc.js';

const PROXIES = 1000;

type Item = Remote<InstanceType<Target['Item']>>;

/** Creates PROXIES remote objects (pipelined 'async' calls) and checks the server counted them. */
async function createItems(mod: Remote<Target>, before: number): Promise<Item[]> {
  const pipelined = withOptions(mod, { mode: 'async' });
  const futures: PromiseLike<Item>[] = [];
  for (let i = 0; i < PROXIES; i++) futures.push(pipelined.makeItem(i));
  const items = await within(Promise.all(futures), 30_000, `creating ${PROXIES} proxies`);
  if ((await items[PROXIES - 1]!.value()) !== PROXIES - 1) throw new Error('a proxy points at the wrong object');
  const live = await mod.objectCount();
  if (live - before !== PROXIES) throw new Error(`the server holds ${live - before} new objects, expected ${PROXIES}`);
  return items;
}

/** Releases every proxy in one tick, then lets the release leave (it is queued for the tick's end). */
async function releaseAll(items: Item[]): Promise<void> {
  for (const item of items) release(item);
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Counts the batches the client hands to its socket: the instrument for "release traffic
 * batched". It wraps the send function of the DealerLink's Outbox (RPCClient.link.outbox.send,
 * private fields; zeromq.js sockets are sealed, so their own send cannot be wrapped). If those
 * fields move, this fails loudly rather than counting nothing.
 */
function countSends(proc: ProcessHandle): { readonly sends: number; reset(): void } {
  type Send = (frames: unknown) => Promise<void>;
  const outbox = (proc.client as unknown as { link?: { outbox?: { send?: Send } } }).link?.outbox;
  if (!outbox || typeof outbox.send !== 'function') throw new Error('cannot instrument RPCClient.link.outbox.send (internals changed?)');
  const original = outbox.send;
  const counter = {
    sends: 0,
    reset() {
      counter.sends = 0;
    },
  };
  outbox.send = (frames: unknown) => {
    counter.sends++;
    return original(frames);
  };
  return counter;
}

export const cases: BenchCase[] = [
  {
    name: 'proxies: objects left after 1,000 released',
    issueCase: 7,
    target: valueAtMost(0, '0 objects left'),
    metric: { metric: 'server objects left after releasing 1,000 proxies', unit: 'objects', better: 'lower' },
    // every sample is the same check; a short warm-up is enough
    warmupMs: 0,
    measure: (_ctx: RunContext) =>
      childFixture<Target>('proxies', 'zp-target.mjs', (_proc, mod) => async () => {
        const before = await mod.objectCount();
        await releaseAll(await createItems(mod, before));
        return (await mod.objectCount()) - before;
      }),
  },
  {
    name: 'proxies: sends carrying 1,000 releases',
    issueCase: 7,
    target: valueAtMost(1, 'release traffic batched: 1 send for the releases of one tick'),
    metric: { metric: 'socket sends for 1,000 release() calls in one tick', unit: 'sends', better: 'lower' },
    warmupMs: 0,
    measure: () =>
      childFixture<Target>('releases', 'zp-target.mjs', (proc, mod) => {
        const counter = countSends(proc);
        return async () => {
          const before = await mod.objectCount();
          const items = await createItems(mod, before);
          counter.reset();
          await releaseAll(items);
          const sends = counter.sends;
          const left = (await mod.objectCount()) - before;
          if (left !== 0) throw new Error(`${left} objects left after the releases`);
          return sends;
        };
      }),
  },
];
