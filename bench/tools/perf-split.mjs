// Splits a system-wide `perf record` of a fan-out run by who spent each sample, in us per call:
// the parent's main thread and its other threads, the children's (every other process), each by
// where the sample landed (kernel, node's own code and V8's builtins, libc, zeromq.js's addon with
// libzmq, JIT-compiled JavaScript). Not a benchmark case: it needs Debian's linux-perf, root, and
// a run to look at, e.g. while `profile-fanout.ts zp 16 32000 --warm 2000 --rounds 2` runs its
// measured round:
//   perf record -a -F 4000 -o /tmp/fan.data -- sleep 3
//   node bench/tools/perf-split.mjs /tmp/fan.data --calls CALLS --parent PID [--top N]
// CALLS is the calls made in the recorded window (the round's rate times 3 s), PID the parent's.
// Samples of other processes (kernel threads among them) and of the idle task are shown apart.
// `--top N` also lists the N symbols of the children's main threads that took most.
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const file = args[0];
const calls = Number(opt('calls'));
const parent = Number(opt('parent'));
const top = Number(opt('top') ?? 0);
if (!file || !(calls > 0) || !(parent > 0)) {
  console.error('usage: perf-split.mjs PERF.DATA --calls CALLS --parent PID [--top N]');
  process.exit(2);
}

const header = execFileSync('perf', ['report', '-i', file, '--header-only'], { encoding: 'utf8', maxBuffer: 1 << 26 });
const frequency = Number(/-F[= ](\d+)/.exec(header)?.[1] ?? /sample_freq = (\d+)/.exec(header)?.[1]);
if (!(frequency > 0)) throw new Error(`${file}: no sampling frequency in its header (record it with -F)`);
const usPerSample = 1e6 / frequency;

const script = execFileSync('perf', ['script', '-i', file, '-F', 'comm,pid,tid,ip,sym,dso', '--max-stack=1'], {
  encoding: 'utf8',
  maxBuffer: 1 << 30,
  stdio: ['ignore', 'pipe', 'ignore'],
});
const line = /^\s*(.+?)\s+(\d+)\/(\d+)\s+[0-9a-f]+\s+(.*?)\s*\(([^)]*)\)\s*$/;

/** Where a sample landed, from the object it was in. */
function place(dso) {
  if (dso.includes('kernel')) return 'kernel';
  if (dso.endsWith('/node')) return 'node';
  if (dso.endsWith('addon.node')) return 'zeromq';
  if (/\/libc[.-]/.test(dso)) return 'libc';
  if (dso.includes('perf-') || dso.includes('JIT') || dso === 'unknown' || dso === '[unknown]') return 'jit';
  return 'other';
}

const samples = script.split('\n').map((text) => line.exec(text)).filter((m) => m !== null);
// the children are the other processes that run ZeroMQ (a thread named ZMQbg/...): kernel
// threads and unrelated processes are counted apart
const zeromqPids = new Set(samples.filter((m) => m[1].startsWith('ZMQbg/')).map((m) => Number(m[2])));
const byRole = new Map();
const symbols = new Map();
for (const [, comm, pidText, tidText, sym, dso] of samples) {
  const pid = Number(pidText);
  const thread = pid === Number(tidText) ? 'main' : 'other';
  let role;
  if (comm === 'swapper') role = 'idle';
  else if (pid === parent) role = `parent ${thread}`;
  else if (zeromqPids.has(pid)) role = `children ${thread}`;
  else role = 'others';
  const where = place(dso);
  const row = byRole.get(role) ?? new Map();
  row.set(where, (row.get(where) ?? 0) + 1);
  byRole.set(role, row);
  if (role === 'children main' && where !== 'kernel') {
    const key = `${where} ${where === 'jit' ? '(JavaScript)' : sym.replace(/\+0x[0-9a-f]+$/, '')}`;
    symbols.set(key, (symbols.get(key) ?? 0) + 1);
  }
}

const perCall = (samples) => ((samples * usPerSample) / calls).toFixed(1);
for (const role of ['parent main', 'parent other', 'children main', 'children other', 'others', 'idle']) {
  const row = byRole.get(role);
  if (!row) continue;
  const total = [...row.values()].reduce((a, b) => a + b, 0);
  const parts = [...row].sort((a, b) => b[1] - a[1]).map(([where, n]) => `${where} ${perCall(n)}`);
  console.log(`${role.padEnd(15)} ${perCall(total).padStart(6)} us per call: ${parts.join(', ')}`);
}
for (const [key, n] of [...symbols].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${perCall(n).padStart(5)} ${key}`);
