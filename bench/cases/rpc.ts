// zeroproc cases 1-3: calls through a proxy to a child, against the raw zeromq.js baselines.
// The child imports bench/peers/zp-target.mjs (plain JS: the child stays on bare node).
import { withOptions } from '../../dist/src/rpc/proxy.js';
import {
  forkIpcPipelined, oneWayCount, LOOPBACK_TCP, PIPELINED, sequentialCount, zmqEchoPipelined, zmqEchoPipelinedTcp, zmqEchoSequential, zmqEchoSequentialTcp,
  zmqPushPull,
} from '../baselines.js';
import { atLeast, info, opsPerSecond, type BenchCase, type Fixture, type RunContext } from '../harness.js';
import { childFixture, within, type Target } from '../zeroproc.js';
import type { SpawnOptions } from '../../dist/src/process/options.js';

/** 10,000 'async'-mode calls issued in one go (Futures) to a child spawned with `options`, then all awaited: calls/s. */
const pipelinedCalls = (label: string, options: SpawnOptions = {}) => (): Promise<Fixture> =>
  childFixture<Target>(label, 'zp-target.mjs', (_proc, mod) => {
    const pipelined = withOptions(mod, { mode: 'async' });
    return () =>
      opsPerSecond(PIPELINED, async () => {
        const futures = new Array<PromiseLike<unknown>>(PIPELINED);
        for (let i = 0; i < PIPELINED; i++) futures[i] = pipelined.echo(i);
        const results = await within(Promise.all(futures), 30_000, `${PIPELINED} async calls`);
        if (results[PIPELINED - 1] !== PIPELINED - 1) throw new Error(`wrong echo: ${results[PIPELINED - 1]}`);
      });
  }, options);

/** One `await mod.echo(i)` at a time to a child spawned with `options`: calls/s. */
const sequentialCalls = (label: string, options: SpawnOptions = {}) => (ctx: RunContext): Promise<Fixture> =>
  childFixture<Target>(label, 'zp-target.mjs', (_proc, mod) => {
    const n = sequentialCount(ctx);
    return () =>
      opsPerSecond(n, async () => {
        for (let i = 0; i < n; i++) await mod.echo(i);
      });
  }, options);

export const cases: BenchCase[] = [
  {
    // 1. one call in flight at a time, tiny argument, as zmq-echo-seq sends one 27-byte message
    name: 'rpc: sequential calls',
    issueCase: 1,
    // issue 16's target (issue 5 asked 0.9 x of a baseline measured with a MAC per message)
    target: atLeast(0.8, 'raw zeromq.js echo'),
    baseline: zmqEchoSequential,
    measure: sequentialCalls('seq'),
  },
  {
    // 1 over loopback TCP (issue 16: "ipc:// saved 15 us sequential ... measure both"): zeroproc
    // secures a TCP link with CURVE, which the raw echo does not have
    name: 'rpc: sequential calls over TCP',
    target: info('raw zeromq.js echo over loopback TCP (without CURVE); the child binds tcp://127.0.0.1 (with CURVE)'),
    baseline: zmqEchoSequentialTcp,
    measure: sequentialCalls('seq-tcp', { address: LOOPBACK_TCP }),
  },
  {
    // 2. 10,000 'async'-mode calls issued in one go (Futures), then all awaited
    name: 'rpc: pipelined calls (10,000 async)',
    issueCase: 2,
    target: atLeast(4, 'raw zeromq.js pipelined echo (issue 16)'),
    baseline: zmqEchoPipelined,
    measure: pipelinedCalls('pipe'),
  },
  {
    // 2 over loopback TCP, as the sequential case above (issue 16: "ipc:// ... made pipelined
    // slower: measure both")
    name: 'rpc: pipelined calls over TCP',
    target: info('raw zeromq.js pipelined echo over loopback TCP (without CURVE); the child binds tcp://127.0.0.1 (with CURVE)'),
    baseline: zmqEchoPipelinedTcp,
    measure: pipelinedCalls('pipe-tcp', { address: LOOPBACK_TCP }),
  },
  {
    // 3. 'off' calls, counted and timed by the callee. The clock runs from the caller's first call
    // to the callee's execution of the last one (process.hrtime is CLOCK_MONOTONIC, shared by
    // both processes), so the time spent encoding and queueing on the caller's side is counted.
    // zmq-push-pull's receiver times from its first message to its last, which misses only
    // one message's latency out of the whole sample.
    name: 'rpc: oneway calls executed',
    issueCase: 3,
    target: atLeast(1.0, 'raw PUSH/PULL messages/s'),
    baseline: zmqPushPull,
    measure: (ctx) =>
      childFixture<Target>('off', 'zp-target.mjs', (_proc, mod) => {
        const count = oneWayCount(ctx);
        const off = withOptions(mod, { mode: 'off' });
        return async () => {
          await mod.arm(count);
          const start = process.hrtime.bigint();
          for (let i = 0; i < count; i++) off.hit();
          // calls from one client run in order, so this reply comes after the last hit ran
          const seen = await within(mod.seen(), 30_000, `${count} oneway calls`);
          if (seen.count !== count) throw new Error(`the callee executed ${seen.count} of ${count} oneway calls`);
          return count / (Number(BigInt(seen.last) - start) / 1e9);
        };
      }),
  },
  {
    // issue 16: pipelined calls must also beat Node's own IPC pipelined in the same run
    name: 'rpc: pipelined calls vs Node IPC',
    target: atLeast(1, 'Node IPC pipelined (issue 16)'),
    baseline: forkIpcPipelined,
    measure: pipelinedCalls('pipe'),
  },
];
