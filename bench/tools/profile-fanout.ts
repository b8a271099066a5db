/**
 * Where fan-out's time goes as the number of children grows (issue 16), not a benchmark case:
 *
 *   npx tsx bench/tools/profile-fanout.ts zp|raw N [CALLS] [--rounds R] [--idle MS]
 *                                        [--warm CALLS] [--gap MS]
 *                                        [--child-argv "FLAGS"] [--child-prof DIR]
 *
 * One parent runs one sequential call loop per child (the "scale: fan-out" shape, CALLS calls in
 * all, 3,200 by default), one unmeasured round then R measured ones (3 by default). `zp`: N
 * zeroproc children and `mod.echo(i)`; `raw`: N zmq-echo.mjs peers and one DEALER each. Per
 * round: calls/s, the CPU of every thread of every process per call, then per call the CPU (us,
 * from /proc/PID/task/TID/stat, 10 ms ticks) and the context switches (voluntary + involuntary,
 * from /proc/PID/task/TID/status) of the parent's main thread, its other threads, and all
 * children's threads together. `--idle MS` first lets everything sit MS ms without calls and
 * prints the CPU and switches per child per second: what an idle child costs. `--warm CALLS`
 * makes the unmeasured round CALLS calls per end (the case's pre-warm is 2,000); `--gap MS`
 * pauses MS ms before each measured round (what the other points of the curve leave between
 * two samples of one point). `--child-argv`
 * adds Node flags to the zeroproc children (`"--interrupt-budget=8192"` makes V8 optimise a
 * per-call function after ~200 calls instead of ~1,150: how much of a round is the children's
 * warm-up); `--child-prof DIR` runs them with --cpu-prof (stopped gracefully at the end, so each
 * writes its profile; summarise with cpuprofile-summary.mjs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { concurrentLoops, connectTo, dealer, openAll, TINY } from '../baselines.js';
import { peerScript } from '../harness.js';
import { killQuietly, spawnBench, type Target, type Remote } from '../zeroproc.js';

const args = process.argv.slice(2);
const kind = args[0];
const n = Number(args[1] ?? 1);
const calls = Number(args[2] && !args[2].startsWith('--') ? args[2] : 3200);
const idleAt = args.indexOf('--idle');
const idleMs = idleAt === -1 ? 0 : Number(args[idleAt + 1]);
const profAt = args.indexOf('--child-prof');
const childProf = profAt === -1 ? undefined : args[profAt + 1];
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt === -1 ? 3 : Number(args[roundsAt + 1]);
const numberAfter = (flag: string, fallback: number) => (args.indexOf(flag) === -1 ? fallback : Number(args[args.indexOf(flag) + 1]));
const warmPerEnd = numberAfter('--warm', 0);
const gapMs = numberAfter('--gap', 0);
const argvAt = args.indexOf('--child-argv');
const childArgv = argvAt === -1 ? [] : args[argvAt + 1]!.split(' ').filter(Boolean);
if ((kind !== 'zp' && kind !== 'raw') || !(n >= 1)) {
  process.stderr.write('usage: profile-fanout.ts zp|raw N [CALLS] [--idle MS]\n');
  process.exit(2);
}

/** CPU (us) and context switches of a process's threads: its main thread apart from the others. */
interface Usage {
  mainCpu: number;
  otherCpu: number;
  mainSwitches: number;
  otherSwitches: number;
  /** minor page faults (a page the kernel had to map, and zero, first) */
  mainFaults: number;
  otherFaults: number;
}

function usage(pid: number): Usage {
  const u: Usage = { mainCpu: 0, otherCpu: 0, mainSwitches: 0, otherSwitches: 0, mainFaults: 0, otherFaults: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return u;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(fields[11]) + Number(fields[12])) * 10_000;
      const faults = Number(fields[7]);
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1');
      const switches = [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
      if (tid === String(pid)) {
        u.mainCpu += cpu;
        u.mainSwitches += switches;
        u.mainFaults += faults;
      } else {
        u.otherCpu += cpu;
        u.otherSwitches += switches;
        u.otherFaults += faults;
      }
    } catch {
      // the thread ended
    }
  }
  return u;
}

function total(pids: number[]): Usage {
  const sum: Usage = { mainCpu: 0, otherCpu: 0, mainSwitches: 0, otherSwitches: 0, mainFaults: 0, otherFaults: 0 };
  for (const pid of pids) {
    const u = usage(pid);
    for (const k of Object.keys(sum) as Array<keyof Usage>) sum[k] += u[k];
  }
  return sum;
}

function diff(a: Usage, b: Usage, per: number): string {
  const f = (k: keyof Usage) => ((b[k] - a[k]) / per).toFixed(k.endsWith('Cpu') ? 1 : 2);
  return `cpu main ${f('mainCpu')} other ${f('otherCpu')}, switches main ${f('mainSwitches')} other ${f('otherSwitches')}, faults main ${f('mainFaults')} other ${f('otherFaults')}`;
}

interface Ends {
  pids: number[];
  call(loop: number, i: number): Promise<unknown>;
  close(): Promise<void>;
}

async function openZeroproc(): Promise<Ends> {
  const children = await openAll(n, async () => {
    const proc = await spawnBench('profile-fanout', { execArgv: [...childArgv, ...(childProf ? ['--cpu-prof', `--cpu-prof-dir=${childProf}`] : [])] });
    try {
      const mod: Remote<Target> = await proc.import<Target>(peerScript('zp-target.mjs'));
      return { proc, mod, close: async () => void (childProf ? await proc.stop() : await killQuietly(proc)) };
    } catch (error) {
      await killQuietly(proc);
      throw error;
    }
  });
  return {
    pids: children.map((c) => c.proc.pid),
    call: (loop, i) => children[loop]!.mod.echo(i),
    close: async () => void (await Promise.all(children.map((c) => c.close()))),
  };
}

async function openRaw(): Promise<Ends> {
  const peers = await openAll(n, () => connectTo('zmq-echo.mjs', dealer()));
  return {
    pids: peers.map((p) => p.peer.pid),
    call: async (loop) => {
      const { socket } = peers[loop]!;
      await socket.send(TINY);
      await socket.receive();
    },
    close: async () => void (await Promise.all(peers.map((p) => p.close()))),
  };
}

const ends = kind === 'zp' ? await openZeroproc() : await openRaw();
try {
  // warm-up, outside the measure
  await concurrentLoops(n, warmPerEnd > 0 ? n * warmPerEnd : calls, ends.call);
  if (idleMs > 0) {
    const p0 = usage(process.pid);
    const c0 = total(ends.pids);
    await new Promise((r) => setTimeout(r, idleMs));
    const per = (n * idleMs) / 1000;
    console.log(`${kind} x${n} idle ${idleMs} ms, per child per s: parent ${diff(p0, usage(process.pid), per)} | children ${diff(c0, total(ends.pids), per)}`);
  }
  for (let round = 0; round < rounds; round++) {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    const p0 = usage(process.pid);
    const c0 = total(ends.pids);
    const rate = await concurrentLoops(n, calls, ends.call);
    const done = Math.ceil(calls / n) * n;
    const p1 = usage(process.pid);
    const c1 = total(ends.pids);
    const all = (p1.mainCpu + p1.otherCpu + c1.mainCpu + c1.otherCpu - p0.mainCpu - p0.otherCpu - c0.mainCpu - c0.otherCpu) / done;
    console.log(
      `${kind} x${n} round ${round}: ${rate.toFixed(0)} calls/s, ${all.toFixed(0)} us CPU per call in all | per call: parent ${diff(p0, p1, done)} | children ${diff(c0, c1, done)}`,
    );
  }
} finally {
  await ends.close();
}
