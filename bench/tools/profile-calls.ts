/**
 * Drives one zeroproc child with calls, for profiling (not a benchmark case):
 *
 *   npx tsx bench/tools/profile-calls.ts MODE [N] [--child-prof DIR] [--threads]
 *   node --import tsx --cpu-prof --cpu-prof-dir=DIR bench/tools/profile-calls.ts MODE ...
 *
 * MODE: seq (await mod.echo(i)), pipe (10,000 'async' calls at a time), off ('off' calls, the
 * callee counts), payload (echo of a 10 MB Buffer), ask (await actor.echo(i), an actor on the
 * child's host), askpipe (10,000 'async' asks at a time). `--child-prof DIR` runs the child with
 * --cpu-prof (the child is stopped gracefully so the profile is written). `--threads` prints the
 * CPU each thread of both processes used per call (from /proc: JS main thread, zmq I/O thread).
 * `--heap` samples what both processes allocate during the last round (V8's sampling heap
 * profiler, collected objects included) and prints it as bytes per call: the garbage a call makes.
 * Summarise profiles with bench/tools/cpuprofile-summary.mjs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { withOptions } from '../../dist/src/rpc/proxy.js';
import { spawn } from '../../dist/src/process/spawner.js';
import { connectHost } from '../../dist/src/actor/host.js';
import { peerScript } from '../harness.js';
import * as sampler from '../peers/heap-sampler.mjs';
import type { Remote, Target } from '../zeroproc.js';

const args = process.argv.slice(2);
const mode = args[0] ?? 'seq';
const n = Number(args[1] && !args[1].startsWith('--') ? args[1] : mode === 'seq' || mode === 'ask' ? 20_000 : mode === 'payload' ? 20 : 100_000);
const flag = (name: string) => args.indexOf(`--${name}`);
const childProf = flag('child-prof') === -1 ? undefined : args[flag('child-prof') + 1];
const threads = flag('threads') !== -1;
const heap = flag('heap') !== -1;

/** CPU time per thread of a process, in us, keyed by thread name and id. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid}`, (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // the thread ended
    }
  }
  return out;
}

function perCall(before: Map<string, number>, after: Map<string, number>): string {
  const rows: string[] = [];
  for (const [key, us] of after) {
    const d = (us - (before.get(key) ?? 0)) / n;
    if (d >= 0.5) rows.push(`${key.split('#')[0]}=${d.toFixed(1)}`);
  }
  return rows.join(' ');
}

const proc = await spawn({ name: `profile-${mode}`, execArgv: childProf ? ['--cpu-prof', `--cpu-prof-dir=${childProf}`] : [] });
try {
  const mod = await proc.import<Target>(peerScript('zp-target.mjs'));
  const payload = Buffer.alloc(10 * 1024 * 1024, 0xa5);
  // ask and askpipe are seq and pipe with an actor on the child's host as the callee
  const asking = mode === 'ask' || mode === 'askpipe';
  const callee: Remote<Pick<Target, 'echo'>> = asking
    ? ((await (await connectHost(proc)).spawn<typeof import('../peers/zp-actor.mjs').EchoActor>('echo', `${peerScript('zp-actor.mjs')}#EchoActor`)) as unknown as Remote<Pick<Target, 'echo'>>)
    : mod;
  const shape = mode === 'ask' ? 'seq' : mode === 'askpipe' ? 'pipe' : mode;
  const childSampler = heap ? await proc.import<typeof sampler>(peerScript('heap-sampler.mjs')) : undefined;
  for (let round = 0; round < 3; round++) {
    const sampling = childSampler !== undefined && round === 2;
    if (sampling) await Promise.all([childSampler.startSampling(), sampler.startSampling()]);
    const parentBefore = threadCpu(process.pid);
    const childBefore = threadCpu(proc.pid);
    const t0 = performance.now();
    if (shape === 'seq') {
      for (let i = 0; i < n; i++) await callee.echo(i);
    } else if (shape === 'pipe') {
      const pipelined = withOptions(callee, { mode: 'async' });
      for (let done = 0; done < n; done += 10_000) {
        const futures: PromiseLike<unknown>[] = [];
        for (let i = 0; i < 10_000; i++) futures.push(pipelined.echo(i));
        await Promise.all(futures);
      }
    } else if (shape === 'off') {
      const off = withOptions(mod, { mode: 'off' });
      await mod.arm(n);
      for (let i = 0; i < n; i++) off.hit();
      await mod.seen();
    } else if (shape === 'payload') {
      for (let i = 0; i < n; i++) await mod.echo(payload);
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
    const ms = performance.now() - t0;
    const line = `${mode} round ${round}: ${((n / ms) * 1000).toFixed(0)} calls/s, ${((ms / n) * 1000).toFixed(1)} us per call`;
    console.log(threads ? `${line} | parent us/call: ${perCall(parentBefore, threadCpu(process.pid))} | child us/call: ${perCall(childBefore, threadCpu(proc.pid))}` : line);
    if (sampling) {
      const [child, parent] = await Promise.all([childSampler.stopSampling(12), sampler.stopSampling(12)]);
      for (const [side, { bytes, sites }] of [['parent', parent], ['child', child]] as const) {
        console.log(`${mode} ${side} allocated per call: ${(bytes / n).toFixed(0)} B; most by ${sites.map(([site, b]) => `${site} ${(b / n).toFixed(0)}`).join(', ')}`);
      }
    }
  }
} finally {
  if (childProf) await proc.stop();
  else await proc.kill();
}
