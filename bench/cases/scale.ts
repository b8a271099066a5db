// Scaling curves (issue 16), each point a case with its same-run baseline; `--plot` draws them.
// - spawn N at once: N children spawned concurrently, to the last one's first answered call,
//   against N bare children forked at once (bareForksAtOnce);
// - fan-out: one parent, N children, one sequential call loop per child, against the same loops
//   over N raw zeromq.js echo peers (the curve's own target, >= 85% of its peak at N = 16, is
//   printed by the runner and drawn by --plot);
// - K clients into one server: K zeroproc children each calling one server child (the server's
//   module is forwarded to them as a reference, so they connect to it directly), against K raw
//   DEALER processes into one echo ROUTER;
// - live objects: 10,000 and 100,000 objects handed out by reference (no baseline: the heap per
//   proxy in the caller and per object in the server, the time to create and release each).
import { release, withOptions } from '../../dist/src/rpc/proxy.js';
import {
  bareForksAtOnce, concurrentLoops, fanOutShare, openAll, spreadCount, zmqClientsIntoOne, zmqFanOut,
  zmqFanOutShare, FAN_OUT_POINTS, FAN_OUT_PREWARM,
} from '../baselines.js';
import { atMost, heapUsedAfterGc, info, valueAtLeast, peerScript, stateless, timeMs, type BenchCase, type Fixture, type RunContext } from '../harness.js';
import { checkCompiledChild, childFixture, killQuietly, spawnBench, within, type ProcessHandle, type Remote, type Target } from '../zeroproc.js';

type Driver = typeof import('../peers/zp-driver.mjs');

/** The points of each curve, and those a quick run keeps. */
const SPAWNED = [1, 2, 4, 8, 16, 32];
const CLIENTS = [1, 2, 4, 8, 16];
const QUICK = new Set([1, 4]);
const QUICK_FAN_OUT = new Set([1, 4, 16]);

/**
 * 16 or 32 node starts at once on 2 shared cores took over 10 s (the default start timeout) at
 * a load average of 36, and a driver's 800 calls, or a burst of 10,000 object creations, over
 * the default 10 s call timeout: these cases measure load, they must not time out under it.
 */
const PATIENT = { startTimeout: 120_000, callTimeout: 120_000 };
const LONG_CALL = { timeout: 120_000 };

/** Spawns `n` children at once, each importing zp-target; all are killed if one fails. */
async function spawnTargets(label: string, n: number): Promise<Array<{ proc: ProcessHandle; mod: Remote<Target>; close(): Promise<void> }>> {
  return openAll(n, async () => {
    const proc = await spawnBench(label, PATIENT);
    try {
      const mod = await proc.import<Target>(peerScript('zp-target.mjs'));
      return { proc, mod, close: () => killQuietly(proc) };
    } catch (error) {
      await killQuietly(proc);
      throw error;
    }
  });
}

const spawnCases: BenchCase[] = SPAWNED.map((n) => ({
  name: `scale: spawn ${n} at once, to the last first call`,
  point: { curve: 'spawn', x: n, xLabel: 'children spawned at once' },
  target: atMost(1.3, `${n} bare forks at once`),
  baseline: bareForksAtOnce(n),
  fullOnly: !QUICK.has(n),
  runs: n >= 16 ? 3 : undefined,
  measure: async () => {
    checkCompiledChild();
    return stateless(async () => {
      const start = performance.now();
      const children = await spawnTargets('spawn-n', n);
      try {
        const answers = await Promise.all(children.map((c) => c.mod.echo(1)));
        if (answers.some((a) => a !== 1)) throw new Error('wrong echo');
        return performance.now() - start;
      } finally {
        await Promise.all(children.map((c) => c.close()));
      }
    });
  },
}));

/**
 * `n` children warmed with FAN_OUT_PREWARM calls each, as the raw peers are; the sample is
 * `sampler` over an echo call to one of them.
 */
async function fanOutFixture(n: number, sampler: (call: (end: number, i: number) => Promise<unknown>) => () => Promise<number>): Promise<Fixture> {
  checkCompiledChild();
  const children = await spawnTargets('fan-out', n);
  const close = async () => void (await Promise.all(children.map((c) => c.close())));
  const call = (end: number, i: number) => children[end]!.mod.echo(i);
  try {
    await concurrentLoops(n, n * FAN_OUT_PREWARM, call);
  } catch (err) {
    await close();
    throw err;
  }
  return { sample: sampler(call), close };
}

const fanOutCases: BenchCase[] = FAN_OUT_POINTS.map((n) => ({
  name: `scale: fan-out to ${n} children`,
  point: { curve: 'fan-out', x: n, xLabel: 'children called by one parent' },
  target: info(`raw zeromq.js fan-out to ${n} echo peers; the share at 16 is judged by "scale: fan-out share at 16"`),
  baseline: zmqFanOut(n),
  fullOnly: !QUICK_FAN_OUT.has(n),
  measure: (ctx: RunContext) => fanOutFixture(n, (call) => () => concurrentLoops(n, spreadCount(ctx), call)),
}));

/** Issue 16's fan-out target, every point of the curve measured within each sample. */
const fanOutShareCase: BenchCase = {
  name: `scale: fan-out share at ${FAN_OUT_POINTS.at(-1)}`,
  target: valueAtLeast(85, `>= 85% of the fan-out curve's peak at ${FAN_OUT_POINTS.at(-1)} children`),
  baseline: zmqFanOutShare,
  fullOnly: true,
  measure: (ctx: RunContext) => fanOutFixture(FAN_OUT_POINTS.at(-1)!, (call) => fanOutShare(spreadCount(ctx), call)),
};

const clientCases: BenchCase[] = CLIENTS.map((k) => ({
  name: `scale: ${k} clients into one server`,
  point: { curve: 'clients', x: k, xLabel: 'client processes calling one server' },
  target: info(`${k} raw DEALER processes into one echo ROUTER`),
  baseline: zmqClientsIntoOne(k),
  fullOnly: !QUICK.has(k),
  measure: async (ctx: RunContext) => {
    checkCompiledChild();
    const ends: Array<{ close(): Promise<void> }> = [];
    const close = async () => void (await Promise.all(ends.map((e) => e.close())));
    try {
      const [server] = await spawnTargets(`server-of-${k}`, 1);
      ends.push(server!);
      const drivers = await openAll(k, async () => {
        const proc = await spawnBench('client', PATIENT);
        try {
          const driver = withOptions(await proc.import<Driver>(peerScript('zp-driver.mjs')), LONG_CALL);
          await driver.aim(server!.mod);
          return { driver, close: () => killQuietly(proc) };
        } catch (error) {
          await killQuietly(proc);
          throw error;
        }
      });
      ends.push(...drivers);
      const each = Math.ceil(spreadCount(ctx) / k);
      return {
        async sample() {
          const ms = await timeMs(() => Promise.all(drivers.map((d) => d.driver.run(each))));
          return (each * k) / (ms / 1000);
        },
        close,
      };
    } catch (error) {
      await close();
      throw error;
    }
  },
}));

type Item = Remote<InstanceType<Target['Item']>>;

/** What one create-and-release cycle of `count` live objects measured. */
interface LiveObjects {
  proxyBytes: number;
  objectBytes: number;
  createUs: number;
  releaseUs: number;
}

/** Creates `count` objects by reference (pipelined, 10,000 in flight at most), measures, releases them. */
async function liveObjects(mod: Remote<Target>, count: number): Promise<LiveObjects> {
  const pipelined = withOptions(mod, { mode: 'async', ...LONG_CALL });
  const objectsBefore = await mod.objectCount();
  const serverBefore = await mod.heapUsed();
  const callerBefore = heapUsedAfterGc();
  let items: Item[] = [];
  const createMs = await timeMs(async () => {
    for (let done = 0; done < count; done += 10_000) {
      const futures: PromiseLike<Item>[] = [];
      for (let i = done; i < Math.min(count, done + 10_000); i++) futures.push(pipelined.makeItem(i));
      items.push(...(await within(Promise.all(futures), 60_000, `creating ${count} objects`)));
    }
  });
  const proxyBytes = (heapUsedAfterGc() - callerBefore) / count;
  const objectBytes = ((await mod.heapUsed()) - serverBefore) / count;
  if ((await mod.objectCount()) - objectsBefore !== count) throw new Error(`the server does not hold ${count} new objects`);
  const releaseMs = await timeMs(async () => {
    for (const item of items) release(item);
    items = [];
    // calls from one client run in order: this count comes after every release was applied
    const left = (await mod.objectCount()) - objectsBefore;
    if (left !== 0) throw new Error(`${left} objects left after the releases`);
  });
  return { proxyBytes, objectBytes, createUs: (createMs * 1000) / count, releaseUs: (releaseMs * 1000) / count };
}

const objectMetrics: Array<[keyof LiveObjects, string, string]> = [
  ['proxyBytes', 'heap per proxy in the caller', 'B'],
  ['objectBytes', 'heap per object in the server', 'B'],
  ['createUs', 'creation time per object (pipelined calls returning it)', 'us'],
  ['releaseUs', 'release time per object (release() until the server dropped it)', 'us'],
];

const objectCases: BenchCase[] = [10_000, 100_000].flatMap((count) =>
  objectMetrics.map(([key, metric, unit]): BenchCase => ({
    name: `scale: ${count.toLocaleString('en')} live objects, ${metric.split(' (')[0]}`,
    point: { curve: `objects-${key}`, x: count, xLabel: 'live objects' },
    target: info('issue 16 measured ~800 B per proxy and ~870 B per object at 100,000: keep'),
    metric: { metric, unit, better: 'lower' },
    fullOnly: count > 10_000,
    runs: 3,
    warmupMs: 0,
    measure: () =>
      childFixture<Target>(`objects-${count}`, 'zp-target.mjs', (_proc, mod) => async () => (await liveObjects(withOptions(mod, LONG_CALL), count))[key], PATIENT),
  })),
);

export const cases: BenchCase[] = [...spawnCases, ...fanOutCases, fanOutShareCase, ...clientCases, ...objectCases];
