/**
 * Where a payload round trip's extra time goes: garbage collection in the caller. Alternates, in
 * one process, a raw zeromq.js DEALER echo and a zeroproc call of the same payload (as the bench
 * case does) and prints, per round trip, the time, the GC time of this process, and how many full
 * (mark-compact) collections ran (not a benchmark case):
 *
 *   npx tsx bench/tools/payload-gc.ts [MB] [--f64] [--alone raw|zeroproc]
 *   node --import tsx --trace-incremental-marking bench/tools/payload-gc.ts --alone zeroproc
 *
 * `--alone SIDE` runs only that side, so every collection of this process is that side's, and
 * also prints the young generation's size before and after: zeroproc's caller runs more full
 * collections, started for V8's "allocation limit" rather than for external memory, and capping
 * its young generation (`--max-semi-space-size=1`) removes them; what starts them is not known
 * (bench/README.md, session 9). `--trace-incremental-marking` prints why each one started.
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Dealer } from 'zeromq';
import { spawn } from '../../dist/src/process/spawner.js';
import { forkPeer, peerScript } from '../harness.js';
import type { Target } from '../zeroproc.js';

const mb = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 10);
const payload = process.argv.includes('--f64') ? new Float64Array((mb << 20) / 8).fill(1.5) : Buffer.alloc(mb << 20, 0xa5);
const aloneAt = process.argv.indexOf('--alone');
const alone = aloneAt === -1 ? undefined : process.argv[aloneAt + 1];
if (alone !== undefined && alone !== 'raw' && alone !== 'zeroproc') throw new Error(`--alone takes raw or zeroproc, not ${alone}`);
const order: ReadonlyArray<'raw' | 'zeroproc'> = alone ? [alone] : ['raw', 'zeroproc'];
const youngKB = () => Math.round((getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) / 1024);
const perSample = 3;
const samples = 20;

let gcMs = 0;
let fullGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
  }
}).observe({ entryTypes: ['gc'] });

const peer = forkPeer('zmq-echo.mjs');
const dealer = new Dealer({ linger: 0 });
const proc = await spawn({ name: 'payload-gc' });
try {
  dealer.connect((await peer.next<{ address: string }>()).address);
  const mod = await proc.import<Target>(peerScript('zp-target.mjs'));
  const sides = {
    raw: async () => {
      await dealer.send(payload);
      await dealer.receive();
    },
    zeroproc: async () => {
      await mod.echo(payload);
    },
  };
  const seen = { raw: [] as number[][], zeroproc: [] as number[][] };
  let youngBefore = 0;
  for (let s = -5; s < samples; s++) {
    if (s === 0) youngBefore = youngKB();
    for (const side of order) {
      gcMs = 0;
      fullGcs = 0;
      const t0 = performance.now();
      for (let i = 0; i < perSample; i++) await sides[side]();
      const ms = (performance.now() - t0) / perSample;
      // GC entries are delivered after the fact
      await new Promise((r) => setImmediate(r));
      if (s >= 0) seen[side].push([ms, gcMs / perSample, fullGcs / perSample]);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  for (const side of order) {
    const col = (i: number) => median(seen[side].map((row) => row[i]!));
    console.log(`${side}: ${col(0).toFixed(2)} ms per round trip, GC here ${col(1).toFixed(2)} ms, ${(seen[side].reduce((a, row) => a + row[2]!, 0) / samples).toFixed(2)} full GCs per round trip`);
  }
  console.log(`young generation: ${youngBefore} KB when the samples began, ${youngKB()} KB at the end`);
} finally {
  dealer.close();
  await proc.kill();
  await peer.kill();
}
