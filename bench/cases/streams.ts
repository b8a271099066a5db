// Streams (issue 14): a stream of small items and a stream of 1 MB chunks from a child, each
// against pipelined calls that fetch the same items one call each, and against raw zeromq.js
// (pipelined tiny echoes; a peer that sends the chunks back to back).
// The child imports bench/peers/zp-streams.mjs (plain JS: the child stays on bare node).
import { withOptions } from '../../dist/src/rpc/proxy.js';
import { connectTo, dealer, MB, zmqEchoPipelined } from '../baselines.js';
import { atLeast, info, opsPerSecond, timeMs, type Baseline, type BenchCase, type RunContext } from '../harness.js';
import { childFixture, within } from '../zeroproc.js';

type Streams = typeof import('../peers/zp-streams.mjs');

/** Small items per sample: as many as the pipelined-calls baseline makes calls. */
const ITEMS = 10_000;

/** Chunks of 1 MB per sample. */
function chunkCount(ctx: RunContext): number {
  return ctx.quick ? 32 : 128;
}

const smallItems = { metric: 'small items streamed (10,000)', unit: 'items/s', better: 'higher' } as const;
const chunkRate = { metric: 'stream of 1 MB chunks', unit: 'MB/s', better: 'higher' } as const;

/** 10,000 'async' calls returning one small item each, issued in one go. */
const pipelinedItems: Baseline = {
  name: 'zeroproc-pipelined-calls',
  ...smallItems,
  measure: () =>
    childFixture<Streams>('stream-calls', 'zp-streams.mjs', (_proc, mod) => {
      const pipelined = withOptions(mod, { mode: 'async' });
      // the same shape as case 2 of rpc.ts (10,000 'async' calls at once), on this module's item()
      return () =>
        opsPerSecond(ITEMS, async () => {
          const all = Promise.all(Array.from({ length: ITEMS }, (_, i) => pipelined.item(i)));
          const last = (await within(all, 30_000, `${ITEMS} async calls`)).at(-1);
          if (last !== ITEMS - 1) throw new Error(`wrong item: ${last}`);
        });
    }),
};

/** 1 MB chunks by 'async' calls, 16 in flight at a time. */
const pipelinedChunks: Baseline = {
  name: 'zeroproc-pipelined-chunk-calls',
  ...chunkRate,
  measure: (ctx) =>
    childFixture<Streams>('chunk-calls', 'zp-streams.mjs', (_proc, mod) => {
      const pipelined = withOptions(mod, { mode: 'async' });
      const count = chunkCount(ctx);
      return async () => {
        const ms = await timeMs(async () => {
          for (let done = 0; done < count; done += 16) {
            const got = await within(Promise.all(Array.from({ length: 16 }, () => pipelined.chunk(MB))), 30_000, '16 chunk calls');
            if (got.some((c) => c.length !== MB)) throw new Error('a chunk call returned the wrong size');
          }
        });
        return count / (ms / 1000);
      };
    }),
};

/** A raw zeromq.js peer that sends the chunks back to back once asked. */
const zmqChunks: Baseline = {
  name: 'zmq-chunks',
  ...chunkRate,
  async measure(ctx) {
    const { socket, close } = await connectTo('zmq-chunks.mjs', dealer());
    const count = chunkCount(ctx);
    return {
      sample: async () => {
        const ms = await timeMs(async () => {
          await socket.send(`${count},${MB}`);
          for (let i = 0; i < count; i++) {
            const [frame] = await socket.receive();
            if (frame!.length !== MB) throw new Error(`a chunk of ${frame!.length} bytes`);
          }
        });
        return count / (ms / 1000);
      },
      close,
    };
  },
};

function streamOfItems(label: string): BenchCase['measure'] {
  return () =>
    childFixture<Streams>(label, 'zp-streams.mjs', (_proc, mod) => () =>
      opsPerSecond(ITEMS, async () => {
        let n = 0;
        for await (const x of await mod.items(ITEMS)) if (x === n) n++;
        if (n !== ITEMS) throw new Error(`the stream delivered ${n} of ${ITEMS} items in order`);
      }));
}

function streamOfChunks(label: string): BenchCase['measure'] {
  return (ctx) =>
    childFixture<Streams>(label, 'zp-streams.mjs', (_proc, mod) => {
      const count = chunkCount(ctx);
      return async () => {
        let bytes = 0;
        const ms = await timeMs(async () => {
          for await (const chunk of await mod.chunks(count, MB)) bytes += chunk.length;
        });
        if (bytes !== count * MB) throw new Error(`the stream delivered ${bytes} of ${count * MB} bytes`);
        return count / (ms / 1000);
      };
    });
}

export const cases: BenchCase[] = [
  {
    name: 'streams: small items vs pipelined calls',
    target: atLeast(1.0, 'pipelined calls fetching the same items'),
    baseline: pipelinedItems,
    measure: streamOfItems('stream-items'),
  },
  {
    name: 'streams: small items vs raw zeromq.js',
    target: info('items/s against raw pipelined tiny round trips/s'),
    baseline: zmqEchoPipelined,
    metric: smallItems,
    measure: streamOfItems('stream-items-raw'),
  },
  {
    name: 'streams: 1 MB chunks vs pipelined calls',
    target: info('MB/s against 1 MB results by pipelined calls'),
    baseline: pipelinedChunks,
    measure: streamOfChunks('stream-chunks'),
  },
  {
    name: 'streams: 1 MB chunks vs raw zeromq.js',
    target: info('MB/s against a raw peer sending 1 MB messages back to back'),
    baseline: zmqChunks,
    measure: streamOfChunks('stream-chunks-raw'),
  },
];
