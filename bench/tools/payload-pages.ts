/**
 * Whether a payload's untouched pages change the 10 MB echo (not a benchmark case):
 *
 *   npx tsx bench/tools/payload-pages.ts [ROUNDS] [REPEATS] [KINDS]
 *
 * Alternates, ROUNDS times, REPEATS round trips of each of: a Float64Array written only every
 * 4,096th element (7/8 of its pages never written: the kernel's shared zero page), one written
 * everywhere, and a Buffer filled with 0xa5; each through a raw zeromq.js echo and a zeroproc
 * child's `echo`. Prints the median ms per round trip of each, and zeroproc's ratio to raw.
 * KINDS (comma-separated: sparse, dense, buffer) keeps some of them; all three by default.
 */
import { connectTo, dealer } from '../baselines.js';
import { peerScript } from '../harness.js';
import { killQuietly, spawnBench, type Target } from '../zeroproc.js';

const rounds = Number(process.argv[2] ?? 10);
const repeats = Number(process.argv[3] ?? 25);
const MB = 1024 * 1024;

function sparse(): Float64Array {
  const array = new Float64Array((10 * MB) / 8);
  for (let i = 0; i < array.length; i += 4096) array[i] = i;
  return array;
}
const makers: Record<string, () => Buffer | Float64Array> = {
  sparse,
  dense: () => new Float64Array((10 * MB) / 8).fill(Math.PI),
  buffer: () => Buffer.alloc(10 * MB, 0xa5),
};
const kinds = (process.argv[4] ?? Object.keys(makers).join(',')).split(',');
for (const kind of kinds) if (!makers[kind]) throw new Error(`unknown payload kind ${kind} (sparse, dense, buffer)`);
const payloads = Object.fromEntries(kinds.map((kind) => [kind, makers[kind]!()]));

const raw = await connectTo('zmq-echo.mjs', dealer());
const proc = await spawnBench('payload-pages');
const mod = await proc.import<Target>(peerScript('zp-target.mjs'));
const ends: Record<string, (p: Buffer | Float64Array) => Promise<unknown>> = {
  raw: async (p) => {
    await raw.socket.send(p);
    return raw.socket.receive();
  },
  zp: (p) => mod.echo(p),
};
const times = new Map<string, number[]>();
try {
  for (let round = 0; round <= rounds; round++) {
    for (const [kind, payload] of Object.entries(payloads)) {
      for (const [end, echo] of Object.entries(ends)) {
        const start = performance.now();
        for (let i = 0; i < repeats; i++) await echo(payload);
        const ms = (performance.now() - start) / repeats;
        // round 0 warms both ends up
        if (round > 0) times.set(`${end} ${kind}`, [...(times.get(`${end} ${kind}`) ?? []), ms]);
      }
    }
  }
} finally {
  await killQuietly(proc);
  await raw.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const kind of Object.keys(payloads)) {
  const r = median(times.get(`raw ${kind}`)!);
  const z = median(times.get(`zp ${kind}`)!);
  console.log(JSON.stringify({ kind, rawMs: +r.toFixed(2), zeroprocMs: +z.toFixed(2), ratio: +(z / r).toFixed(3) }));
}
