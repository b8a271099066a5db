/**
 * npx tsx bench/run.ts [--quick] [--case TEXT]... [--pin | --no-pin] [--list] [--markdown] [--plot]
 *
 * --quick: 3 runs, shorter warm-up and smaller samples, no baseline self-checks and no 1 MB or
 * 100 MB payload (unless a --case filter names them).
 *
 * --plot: only the points of the scaling curves (unless --case filters say otherwise), then the
 * curves written as bench/curve-NAME.svg (bench/plot.ts).
 *
 * Runs every case registered under bench/cases/ (each file exports `cases: BenchCase[]`) once per
 * CPU placement, prints one JSON line per case and placement on stdout and a table on stderr.
 *
 * Placement: this process only orchestrates. It re-runs itself as a worker per placement, the
 * pinned one under `taskset -c 0`; CPU affinity is inherited, so the worker, every peer and
 * every zeroproc child it forks, and all their threads (zmq I/O threads included) share CPU 0.
 * Pinning the whole tree rather than single children keeps cases honest without each case
 * knowing about placement.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as zmq from 'zeromq';
import {
  cpusAllowed,
  ENDPOINT_DIR_ENV,
  formatMarkdown,
  formatTable,
  ISSUE_CASES,
  isCaseError,
  ownEndpointDir,
  runCase,
  type BenchCase,
  type CaseError,
  type CaseResult,
  type Placement,
} from './harness.js';
import { curvesOf, describeCurves, writeCurves } from './plot.js';

interface Options {
  quick: boolean;
  filters: string[];
  placements: Placement[];
  list: boolean;
  /** also print the results as the markdown table of bench/README.md */
  markdown: boolean;
  /** run the curve points and write the curves as SVG */
  plot: boolean;
  /** set in a worker: the placement it was started under */
  worker?: Placement;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { quick: false, filters: [], placements: ['unpinned', 'pinned-cpu0'], list: false, markdown: false, plot: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--case') options.filters.push(value().toLowerCase());
    else if (arg === '--pin') options.placements = ['pinned-cpu0'];
    else if (arg === '--no-pin') options.placements = ['unpinned'];
    else if (arg === '--list') options.list = true;
    else if (arg === '--markdown') options.markdown = true;
    else if (arg === '--plot') options.plot = true;
    else if (arg === '--placement') {
      const p = value();
      if (p !== 'unpinned' && p !== 'pinned-cpu0') throw new Error(`unknown placement ${p}`);
      options.worker = p;
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

async function loadCases(): Promise<BenchCase[]> {
  const dir = fileURLToPath(new URL('./cases/', import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  const all: BenchCase[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(`${dir}${file}`).href)) as { cases?: BenchCase[] };
    if (!Array.isArray(mod.cases)) throw new Error(`bench/cases/${file} does not export cases: BenchCase[]`);
    all.push(...mod.cases);
  }
  return all;
}

/**
 * The cases a run measures: those matching a `--case` filter; without filters every case (with
 * `--plot`, every point of a curve), except that `--quick` leaves out the baseline self-checks
 * (`selfcheck:` cases, which compare baselines with each other) and the cases marked `fullOnly`,
 * to stay under a minute.
 */
function selected(cases: BenchCase[], options: Pick<Options, 'filters' | 'quick' | 'plot'>): BenchCase[] {
  if (options.filters.length > 0) return cases.filter((c) => options.filters.some((f) => c.name.toLowerCase().includes(f)));
  const wanted = options.plot ? cases.filter((c) => c.point) : cases;
  return options.quick ? wanted.filter((c) => !c.name.startsWith('selfcheck:') && !c.fullOnly) : wanted;
}

async function worker(placement: Placement, options: Options): Promise<number> {
  // a socket that still holds undelivered messages must not keep the worker alive
  zmq.context.blocky = false;
  const cpus = cpusAllowed();
  if (placement === 'pinned-cpu0' && cpus !== '0') throw new Error(`pinned worker may run on CPUs ${cpus}, not 0`);
  if (placement === 'unpinned' && !cpus.includes('-') && !cpus.includes(',')) {
    process.stderr.write(`warning: "unpinned" worker is restricted to CPU ${cpus} by its caller\n`);
  }
  let failed = 0;
  for (const c of selected(await loadCases(), options)) {
    process.stderr.write(`[${placement}] ${c.name}\n`);
    const started = performance.now();
    let line: CaseResult | CaseError;
    try {
      line = await runCase(c, { quick: options.quick, placement }, (l) => process.stderr.write(`${l}\n`));
      process.stderr.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    } catch (error) {
      failed++;
      line = { case: c.name, placement, error: error instanceof Error ? error.message : String(error) };
      process.stderr.write(`  failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return failed > 0 ? 1 : 0;
}

const workers = new Set<ChildProcess>();

/** Runs one placement's worker, forwarding its JSON lines and collecting them. */
async function runWorker(placement: Placement, args: string[]): Promise<Array<CaseResult | CaseError>> {
  const node = [process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), '--placement', placement, ...args];
  const [command, ...commandArgs] = placement === 'pinned-cpu0' ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(command!, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  workers.add(child);
  const lines: Array<CaseResult | CaseError> = [];
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    if (!line.startsWith('{')) continue;
    process.stdout.write(`${line}\n`);
    lines.push(JSON.parse(line) as CaseResult | CaseError);
  }
  const code = await exited;
  workers.delete(child);
  if (code !== 0 && lines.every((l) => !isCaseError(l))) {
    lines.push({ case: '(worker)', placement, error: `worker exited with code ${code}` });
  }
  return lines;
}

async function orchestrate(options: Options, forward: string[]): Promise<number> {
  process.on('exit', () => {
    for (const w of workers) w.kill('SIGKILL');
  });
  process.env[ENDPOINT_DIR_ENV] = ownEndpointDir();
  const cases = await loadCases();
  if (options.list) {
    for (const c of cases) process.stdout.write(`${c.name}  (baseline ${c.baseline?.name ?? 'none'})\n`);
    return 0;
  }
  if (selected(cases, options).length === 0) throw new Error(`no case matches ${options.filters.join(', ')}`);
  let placements = options.placements;
  if (placements.includes('pinned-cpu0') && spawnSync('taskset', ['-V']).error) {
    if (placements.length === 1) throw new Error('--pin needs taskset (util-linux), which is not installed');
    process.stderr.write('warning: taskset not found, running the unpinned placement only\n');
    placements = ['unpinned'];
  }
  const started = performance.now();
  const results: Array<CaseResult | CaseError> = [];
  for (const placement of placements) results.push(...(await runWorker(placement, forward)));
  const answered = new Set(cases.map((c) => c.issueCase));
  const pending = ISSUE_CASES.filter((row) => !answered.has(row.id));
  process.stderr.write(`\n${formatTable(results, pending)}\n`);
  if (options.markdown) process.stderr.write(`\n${formatMarkdown(results)}\n`);
  const curves = curvesOf(results);
  if (curves.length > 0) process.stderr.write(`\n${describeCurves(curves)}\n`);
  if (options.plot) for (const path of writeCurves(curves)) process.stderr.write(`wrote ${path}\n`);
  process.stderr.write(`\n${results.length} result(s) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return results.some(isCaseError) ? 1 : 0;
}

const argv = process.argv.slice(2);
const options = parseArgs(argv);
const forward = argv.filter((a) => a !== '--pin' && a !== '--no-pin' && a !== '--list' && a !== '--markdown');
try {
  process.exit(options.worker ? await worker(options.worker, options) : await orchestrate(options, forward));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
