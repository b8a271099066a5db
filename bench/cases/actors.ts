// Actor cases (issue 12): an ask to a child's host against a plain RPC call of the same method to
// the same child, in the same run; in-process asks and tells on the local fast path.
import { Actor } from '../../dist/src/actor/actor.js';
import { connectHost, createHost } from '../../dist/src/actor/host.js';
import type { RefOf } from '../../dist/src/actor/types.js';
import { withOptions } from '../../dist/src/rpc/proxy.js';
import { atLeast, info, opsPerSecond, peerScript, valueAtLeast, type Baseline, type BenchCase, type Fixture } from '../harness.js';
import { childFixture, within } from '../zeroproc.js';

type ActorPeer = typeof import('../peers/zp-actor.mjs');

const SEQUENTIAL = 2_000;
const BURST = 10_000;
const TELLS = 100_000;

const plainCall: Baseline = {
  name: 'plain RPC call, sequential',
  metric: 'round trips/s',
  unit: 'calls/s',
  better: 'higher',
  measure: () =>
    childFixture<ActorPeer>('plain-echo', 'zp-actor.mjs', async (_proc, mod) => {
      const plain = await new mod.PlainEcho();
      return () =>
        opsPerSecond(SEQUENTIAL, async () => {
          for (let i = 0; i < SEQUENTIAL; i++) await plain.echo(i);
        });
    }),
};

/** In this process: the local fast path, no socket. */
class LocalEcho extends Actor {
  static tell = ['hit'] as const;
  hits = 0;
  echo(x: number): number {
    return x;
  }
  hit(): void {
    this.hits++;
  }
}

async function localFixture(sample: (ref: RefOf<typeof LocalEcho>) => () => Promise<number>): Promise<Fixture> {
  const host = await createHost();
  try {
    const ref = await host.spawn(`bench-${Date.now()}`, LocalEcho);
    return { sample: sample(ref), close: () => host.shutdown() };
  } catch (error) {
    await host.shutdown();
    throw error;
  }
}

export const cases: BenchCase[] = [
  {
    name: "actors: ask to a child's host, sequential",
    target: atLeast(0.9, 'a plain RPC call of the same method (an ask costs <= 1.1x)'),
    baseline: plainCall,
    measure: () =>
      childFixture<ActorPeer>('actor-echo', 'zp-actor.mjs', async (proc) => {
        const host = await connectHost(proc);
        const ref = await host.spawn<typeof LocalEcho>('echo', `${peerScript('zp-actor.mjs')}#EchoActor`);
        return () =>
          opsPerSecond(SEQUENTIAL, async () => {
            for (let i = 0; i < SEQUENTIAL; i++) await ref.echo(i);
          });
      }),
  },
  {
    name: 'actors: in-process asks (10,000 pipelined)',
    target: valueAtLeast(200_000, '>= 200,000 asks/s'),
    metric: { metric: 'asks answered/s', unit: 'asks/s', better: 'higher' },
    measure: () =>
      localFixture((ref) => {
        const futures = withOptions(ref, { mode: 'async' });
        return () =>
          opsPerSecond(BURST, async () => {
            const pending = new Array<PromiseLike<number>>(BURST);
            for (let i = 0; i < BURST; i++) pending[i] = futures.echo(i);
            const results = await within(Promise.all(pending), 30_000, `${BURST} asks`);
            if (results[BURST - 1] !== BURST - 1) throw new Error('wrong answer');
          });
      }),
  },
  {
    name: 'actors: in-process tells (100,000)',
    target: valueAtLeast(1_000_000, '>= 1,000,000 tells/s'),
    metric: { metric: 'tells run/s', unit: 'tells/s', better: 'higher' },
    measure: () =>
      localFixture((ref) => () =>
        opsPerSecond(TELLS, async () => {
          const before = await ref.hits;
          for (let i = 0; i < TELLS; i++) ref.hit();
          // one sender's messages run in order: this read comes after the last tell
          if ((await ref.hits) !== before + TELLS) throw new Error('tells lost');
        }),
      ),
  },
];

/** An actor with a little state, as a host of many would hold. */
class Cell extends Actor {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
}

/** Spawns `count` actors in a fresh host; samples spawns/s, and reports the heap each one costs. */
function manyActors(count: number): () => Promise<Fixture> {
  return async () => ({
    sample: async () => {
      const host = await createHost();
      try {
        globalThis.gc?.();
        const heapBefore = process.memoryUsage().heapUsed;
        const t0 = performance.now();
        for (let i = 0; i < count; i++) await host.spawn(`cell-${i}`, Cell);
        const seconds = (performance.now() - t0) / 1000;
        globalThis.gc?.();
        const perActor = (process.memoryUsage().heapUsed - heapBefore) / count;
        process.stderr.write(`  ${count} actors: ${Math.round(perActor)} bytes of heap each\n`);
        return count / seconds;
      } finally {
        await host.shutdown();
      }
    },
    close: async () => {},
  });
}

cases.push(
  {
    name: 'actors: spawning 1,000 actors in one host',
    target: info('spawn rate; the heap each actor costs is printed on stderr'),
    metric: { metric: 'actors spawned/s', unit: 'spawns/s', better: 'higher' },
    runs: 3,
    warmupMs: 0,
    measure: manyActors(1_000),
  },
  {
    name: 'actors: spawning 100,000 actors in one host',
    target: info('spawn rate; the heap each actor costs is printed on stderr'),
    metric: { metric: 'actors spawned/s', unit: 'spawns/s', better: 'higher' },
    runs: 1,
    warmupMs: 0,
    fullOnly: true,
    measure: manyActors(100_000),
  },
);
