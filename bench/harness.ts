/**
 * Benchmark harness: a case is measured against a baseline in the same process tree, the two
 * alternated (A B A B ...) so that the drift of this shared 2-core machine hits both alike, and
 * reported as medians plus their ratio. Peers are real processes, tracked so none outlives us.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type Placement = 'unpinned' | 'pinned-cpu0';

export interface RunContext {
  readonly quick: boolean;
  readonly placement: Placement;
}

/** What one side of a case has opened (peers started, sockets connected) and can sample. */
export interface Fixture {
  /** One measurement in the case's unit; called for warm-up, then once per run. */
  sample(): Promise<number>;
  close(): Promise<void>;
}

/** Opens a fixture; setup cost stays outside the samples. */
export type Measure = (ctx: RunContext) => Promise<Fixture>;

export interface Metric {
  readonly metric: string;
  readonly unit: string;
  /** which way is better, so a ratio can be read against its target */
  readonly better: 'higher' | 'lower';
}

export interface Baseline extends Metric {
  readonly name: string;
  readonly measure: Measure;
}

export interface Target {
  readonly text: string;
  /** bounds on value / baselineValue */
  readonly ratioAtLeast?: number;
  readonly ratioAtMost?: number;
  /** bounds on the case's own median, for targets stated in absolute terms */
  readonly valueAtLeast?: number;
  readonly valueAtMost?: number;
}

interface CaseCommon {
  readonly name: string;
  /** The row of issue 5's table this case answers; rows with no case are listed as pending. */
  readonly issueCase?: number;
  readonly target: Target;
  readonly measure: Measure;
  /** Recorded runs per side (default 5, 3 with --quick). */
  readonly runs?: number;
  /** Least unrecorded warm-up time per side (default 1000 ms, 300 ms with --quick; 0: one sample); see warmUp. */
  readonly warmupMs?: number;
  /** Left out of `--quick` runs (unless a `--case` filter names it): too slow for a one-minute run. */
  readonly fullOnly?: boolean;
  /** A point of a scaling curve (`--plot` draws each curve; see bench/plot.ts). */
  readonly point?: CurvePoint;
}

/** Where a case sits on a scaling curve: the curve's name and the point's x (N children, K clients...). */
export interface CurvePoint {
  readonly curve: string;
  readonly x: number;
  /** What x counts, for the plot's axis, e.g. 'children spawned at once'. */
  readonly xLabel: string;
}

/**
 * A case is sampled in its baseline's metric and unit unless it names its own `metric` (for
 * a comparison across units, e.g. log records/s against PUSH/PULL messages/s); a case with
 * no baseline at all (its target is absolute) must name one.
 */
export type BenchCase = CaseCommon &
  ({ readonly baseline: Baseline; readonly metric?: Metric } | { readonly baseline?: undefined; readonly metric: Metric });

export interface CaseResult {
  case: string;
  placement: Placement;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  value: number;
  baseline: string | null;
  baselineValue: number | null;
  /** differs from `unit` when a case compares across units (it names its own metric) */
  baselineUnit: string | null;
  ratio: number | null;
  target: string;
  /** null when the target is informational (baseline self-checks) */
  met: boolean | null;
  runs: number;
  samples: number[];
  baselineSamples: number[];
  /** set for the points of a scaling curve */
  curve?: string;
  x?: number;
  xLabel?: string;
}

/** A case that threw: reported in its own line so one failure does not hide the others. */
export interface CaseError {
  case: string;
  placement: Placement;
  error: string;
}

/** The rows of issue 5's target table, so unanswered rows can be shown as pending. */
export const ISSUE_CASES: ReadonlyArray<{ id: number; title: string; target: string }> = [
  { id: 1, title: 'sequential calls', target: '>= 0.8 x raw zeromq.js echo (round trips/s; issue 16)' },
  { id: 2, title: 'pipelined calls (10,000 async)', target: '>= 4 x raw zeromq.js pipelined echo, >= 1 x Node IPC pipelined (issue 16)' },
  { id: 3, title: 'oneway calls executed/s', target: '>= 1.0 x raw PUSH/PULL messages/s' },
  { id: 4, title: 'payload round trip 10 MB, 100 MB', target: '<= 1.25 x raw zeromq.js echo time' },
  { id: 5, title: 'spawn to first call', target: '<= 1.3 x bare fork (JS); <= 1.3 x bare node --import tsx (TS)' },
  { id: 6, title: 'idle child RSS', target: '<= 1.3 x bare child' },
  { id: 7, title: '1,000 proxies created and released', target: '0 objects left, release traffic batched' },
  { id: 8, title: 'log records/s, 4 children', target: '>= 50,000 records/s, 0 lost' },
];

export const atLeast = (ratio: number, of: string): Target => ({ text: `>= ${ratio} x ${of}`, ratioAtLeast: ratio });
export const atMost = (ratio: number, of: string): Target => ({ text: `<= ${ratio} x ${of}`, ratioAtMost: ratio });
export const valueAtLeast = (value: number, text: string): Target => ({ text, valueAtLeast: value });
export const valueAtMost = (value: number, text: string): Target => ({ text, valueAtMost: value });
/** For the baseline self-checks, which have no target of their own. */
export const info = (text: string): Target => ({ text: `info: ${text}` });

/** Whether medians meet every bound the target sets; null when it sets none. */
function meets(target: Target, value: number, ratio: number | null): boolean | null {
  const checks: boolean[] = [];
  if (target.valueAtLeast !== undefined) checks.push(value >= target.valueAtLeast);
  if (target.valueAtMost !== undefined) checks.push(value <= target.valueAtMost);
  if (target.ratioAtLeast !== undefined) checks.push(ratio !== null && ratio >= target.ratioAtLeast);
  if (target.ratioAtMost !== undefined) checks.push(ratio !== null && ratio <= target.ratioAtMost);
  return checks.length === 0 ? null : checks.every(Boolean);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds taken by fn. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Operations per second of `count` operations done by fn. */
export async function opsPerSecond(count: number, fn: () => Promise<unknown>): Promise<number> {
  return count / ((await timeMs(fn)) / 1000);
}

/** A fixture with nothing to open or close, e.g. one that spawns a fresh child per sample. */
export function stateless(sample: () => Promise<number>): Fixture {
  return { sample, close: async () => {} };
}

/** Warm-up samples per side at most, and when a side counts as warm (see {@link warmUp}). */
const WARMUP_MAX_SAMPLES = 30;
const WARMUP_MAX_MS = 15_000;
/** A sample at most this much better than the one before it means the side stopped rising. */
const WARMUP_STEADY = 1.05;

/**
 * Samples both sides, alternating, until each has run for `ms` AND stopped getting faster: its
 * last sample is no more than 5% better (in `better`'s direction) than the one before it. A fixed
 * time was not enough: V8 tiers up the hot loops by call count, not by time, and a 300 ms quick
 * warm-up ended while zeroproc's round-trip rate was still climbing (quick gave 0.25-0.41 x where
 * a longer warm-up gave 0.41-0.60 x). Bounded at 30 samples or 15 s per side for a side whose
 * samples keep moving (a loaded machine).
 */
async function warmUp(sides: Fixture[], ms: number, better: 'higher' | 'lower'): Promise<number[]> {
  const spent = sides.map(() => 0);
  const last = sides.map(() => [] as number[]);
  const warm = (k: number): boolean => {
    const [before, now] = last[k]!.slice(-2);
    if (spent[k]! >= WARMUP_MAX_MS || last[k]!.length >= WARMUP_MAX_SAMPLES) return true;
    // a case with no warm-up time (each sample is the same check, or very long) gets one sample
    if (ms === 0) return last[k]!.length >= 1;
    if (spent[k]! < ms || before === undefined || now === undefined) return false;
    return better === 'higher' ? now <= before * WARMUP_STEADY : now >= before / WARMUP_STEADY;
  };
  while (sides.some((_, k) => !warm(k))) {
    for (const [k, side] of sides.entries()) {
      if (warm(k)) continue;
      const start = performance.now();
      last[k]!.push(await side.sample());
      spent[k]! += performance.now() - start;
    }
  }
  return last.map((samples) => samples.length);
}

/** Opens `measure`, hands its fixture to `use`, and closes it whatever happens. */
async function withFixture<T>(measure: Measure | undefined, ctx: RunContext, use: (f: Fixture | null) => Promise<T>): Promise<T> {
  if (!measure) return use(null);
  const fixture = await measure(ctx);
  try {
    return await use(fixture);
  } finally {
    await fixture.close();
  }
}

export async function runCase(c: BenchCase, ctx: RunContext, progress: (line: string) => void): Promise<CaseResult> {
  const runs = c.runs ?? (ctx.quick ? 3 : 5);
  const metric: Metric = c.metric ?? c.baseline!;
  const samples: number[] = [];
  const baselineSamples: number[] = [];
  // both sides stay open for the whole case, so an idle peer is all one side costs the other
  await withFixture(c.measure, ctx, (subject) =>
    withFixture(c.baseline?.measure, ctx, async (base) => {
      const warmed = await warmUp(base ? [subject!, base] : [subject!], c.warmupMs ?? (ctx.quick ? 300 : 1000), metric.better);
      progress(`  warm-up: ${warmed.join(' / ')} sample(s)`);
      for (let i = 0; i < runs; i++) {
        samples.push(await subject!.sample());
        if (base) baselineSamples.push(await base.sample());
        const against = base ? ` vs ${fmt(baselineSamples[i]!)}` : '';
        progress(`  run ${i + 1}/${runs}: ${fmt(samples[i]!)}${against} ${metric.unit}`);
      }
    }),
  );
  const value = median(samples);
  const baselineValue = c.baseline ? median(baselineSamples) : null;
  const ratio = baselineValue === null ? null : value / baselineValue;
  return {
    case: c.name,
    placement: ctx.placement,
    metric: metric.metric,
    unit: metric.unit,
    better: metric.better,
    value,
    baseline: c.baseline?.name ?? null,
    baselineValue,
    baselineUnit: c.baseline?.unit ?? null,
    ratio,
    target: c.target.text,
    met: meets(c.target, value, ratio),
    runs,
    samples,
    baselineSamples,
    ...(c.point ? { curve: c.point.curve, x: c.point.x, xLabel: c.point.xLabel } : {}),
  };
}

// ---- peer processes ----

const live = new Set<ChildProcess>();
let exitHooked = false;

let endpointDir: string | undefined;
let endpoints = 0;

/**
 * Names the directory of a run's baseline sockets for the processes it starts: bench/run.ts makes
 * it and removes it at its exit (it SIGKILLs its workers when it is stopped, so they cannot).
 */
export const ENDPOINT_DIR_ENV = 'BENCH_ENDPOINT_DIR';

/** A directory for ipc sockets, made once, removed when this process exits (any way but SIGKILL). */
export function ownEndpointDir(): string {
  hookExit();
  endpointDir ??= mkdtempSync(join(tmpdir(), 'zp-bench-'));
  return endpointDir;
}

/**
 * Where a baseline peer binds: an ipc:// socket in the run's directory, as a zeroproc child binds
 * in a private directory by default. (Until session 8 of 2026-12-04 the peers bound
 * tcp://127.0.0.1 while the children they are compared with used ipc://.)
 */
export function peerEndpoint(file: string): string {
  const dir = process.env[ENDPOINT_DIR_ENV] || ownEndpointDir();
  return `ipc://${join(dir, `${process.pid}-${basename(file).replace(/\W/g, '-')}-${++endpoints}.sock`)}`;
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // 'exit' handlers must be synchronous: SIGKILL is the one kill that needs no waiting
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    if (endpointDir) rmSync(endpointDir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

/** Has `child` SIGKILLed if this process exits first (for peers not started by forkPeer). */
export function trackChild(child: ChildProcess): void {
  hookExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export interface Peer {
  readonly pid: number;
  /** The next IPC message from the peer; rejects if the peer exits first. */
  next<T>(): Promise<T>;
  send(message: unknown): void;
  /** Ends the peer and waits for its exit. */
  kill(): Promise<void>;
}

export interface PeerOptions {
  /** Node flags; empty by default so a peer does not inherit the runner's tsx loader. */
  execArgv?: string[];
  args?: string[];
  /** The endpoint a zmq peer binds; default {@link peerEndpoint}'s, ipc:// like zeroproc's children. */
  bind?: string;
}

/** Absolute path of a file under bench/peers, e.g. a module for a zeroproc child to import. */
export const peerScript = (file: string): string => fileURLToPath(new URL(`./peers/${file}`, import.meta.url));

/** Forks a script under bench/peers; stdout is ignored so it cannot corrupt the JSON lines. */
export function forkPeer(file: string, options: PeerOptions = {}): Peer {
  hookExit();
  const child = fork(peerScript(file), options.args ?? [], {
    execArgv: options.execArgv ?? [],
    env: { ...process.env, BENCH_BIND: options.bind ?? peerEndpoint(file) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const inbox: unknown[] = [];
  const waiting: Array<{ resolve: (m: unknown) => void; reject: (e: Error) => void }> = [];
  child.on('message', (message) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else inbox.push(message);
  });
  const failAll = (error: Error) => {
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  child.on('error', failAll);
  child.once('exit', (code, signal) => failAll(new Error(`peer ${file} exited (code ${code}, signal ${signal})`)));
  return {
    get pid() {
      if (child.pid === undefined) throw new Error(`peer ${file} did not start`);
      return child.pid;
    },
    next<T>() {
      if (inbox.length > 0) return Promise.resolve(inbox.shift() as T);
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`peer ${file} has exited`));
      }
      return new Promise<T>((resolve, reject) => waiting.push({ resolve: resolve as (m: unknown) => void, reject }));
    },
    send(message) {
      child.send(message as object);
    },
    async kill() {
      // kill() is false when there is no process to signal (it never started): no exit will come
      if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) await exited;
    },
  };
}

/** V8's gc(), reachable without --expose-gc on the command line (the worker runs under tsx). */
let collect: (() => void) | undefined;

/** Heap used by this process after a full collection, bytes. */
export function heapUsedAfterGc(): number {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage().heapUsed;
}

/** Resident set size of a process in MB, from /proc/<pid>/status. */
function rssMB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * RSS once it has settled: sampled every 100 ms until two successive readings differ by less
 * than 1% (a fresh child is still faulting in pages and finishing lazy work), at most 3 s.
 */
export async function settledRssMB(pid: number): Promise<number> {
  await sleep(200);
  let previous = rssMB(pid);
  for (let i = 0; i < 28; i++) {
    await sleep(100);
    const current = rssMB(pid);
    if (Math.abs(current - previous) < previous * 0.01) return current;
    previous = current;
  }
  return previous;
}

/** The CPUs this process may run on, e.g. "0" or "0-1". */
export function cpusAllowed(): string {
  return /^Cpus_allowed_list:\s+(\S+)/m.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? 'unknown';
}

// ---- reporting ----

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function isCaseError(line: CaseResult | CaseError): line is CaseError {
  return 'error' in line;
}

/** The readable summary: one row per case and placement, then the issue rows still pending. */
export function formatTable(results: ReadonlyArray<CaseResult | CaseError>, pending: typeof ISSUE_CASES): string {
  const header = ['case', 'placement', 'value', 'baseline', 'ratio', 'target', 'met'];
  const rows = results.map((r) =>
    isCaseError(r)
      ? [r.case, r.placement, `ERROR: ${r.error}`, '', '', '', '']
      : [
          r.case,
          r.placement,
          `${fmt(r.value)} ${r.unit}`,
          r.baselineValue === null ? '-' : `${fmt(r.baselineValue)} ${r.baselineUnit} (${r.baseline})`,
          `${r.ratio === null ? '-' : `${r.ratio.toFixed(2)} x`} (${r.better} is better)`,
          r.target,
          r.met === null ? '-' : r.met ? 'yes' : 'NO',
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (pending.length > 0) {
    out.push('', 'PENDING zeroproc cases: no case is registered yet for these rows of issue 5 (cases named "selfcheck:" only compare baselines with each other):');
    for (const p of pending) out.push(`  ${p.id}. ${p.title}: target ${p.target}`);
  }
  return out.join('\n');
}

/** Results as a markdown table for bench/README.md: one row per case, both placements side by side. */
export function formatMarkdown(results: ReadonlyArray<CaseResult | CaseError>): string {
  const byCase = new Map<string, Partial<Record<Placement, CaseResult | CaseError>>>();
  for (const r of results) byCase.set(r.case, { ...byCase.get(r.case), [r.placement]: r });
  const cell = (r: CaseResult | CaseError | undefined) => {
    if (!r) return 'not run';
    if (isCaseError(r)) return `error: ${r.error}`;
    const base = r.baselineValue === null ? '' : ` vs ${fmt(r.baselineValue)}${r.baselineUnit === r.unit ? '' : ` ${r.baselineUnit}`}: **${r.ratio!.toFixed(2)} x**`;
    return `${fmt(r.value)} ${r.unit}${base}`;
  };
  const out = ['| case | baseline | metric | unpinned | pinned-cpu0 | target |', '| --- | --- | --- | --- | --- | --- |'];
  for (const [name, placements] of byCase) {
    const any = (placements.unpinned ?? placements['pinned-cpu0'])!;
    const known = isCaseError(any) ? undefined : any;
    out.push(
      `| ${name} | ${known?.baseline ?? '-'} | ${known ? `${known.metric} (${known.better} is better)` : '-'} | ` +
        `${cell(placements.unpinned)} | ${cell(placements['pinned-cpu0'])} | ${known?.target ?? '-'} |`,
    );
  }
  return out.join('\n');
}
