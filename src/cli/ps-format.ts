/**
 * How `zeroproc ps` prints trees: one row per process, children indented under their parent,
 * actors listed under their process, errors on a line of their own. Pure: unit-tested.
 */
import { escapeControls } from '../log/format.js';
import { PS_SCHEMA, type ProcessStatus } from '../process/status.js';
import type { ActorStatus } from '../status-sections.js';

/** What `zeroproc ps --json` prints (one document per frame): see docs/CLUSTER.md. */
export interface PsDocument {
  /** Always {@link PS_SCHEMA}; a change that breaks readers gets a new version. */
  schema: typeof PS_SCHEMA;
  /** When the frame was read, ISO 8601. */
  time: string;
  /** Every tree read, oldest root pid first. */
  trees: ProcessStatus[];
  /** Trees found but not read: their status socket and why. */
  unreachable: Array<{ address: string; error: string }>;
}

const COLUMNS = ['NAME', 'PID', 'HOST', 'STATE', 'UPTIME', 'RESTARTS', 'RSS', 'CPU%', 'LAG', 'MAILBOX', 'ASKS', 'MSGS', 'ADDRESS'] as const;

type Row = Record<(typeof COLUMNS)[number], string>;

/** `1d02h`, `3h05m`, `4m07s`, `12s`; `-` for null. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(ms / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/** `812K`, `52.3M`, `1.2G` (binary units); `-` for null. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit <= 1 || value >= 100 ? `${Math.round(value)}${units[unit]}` : `${value.toFixed(1)}${units[unit]}`;
}

function num(n: number | null, suffix = ''): string {
  return n === null ? '-' : `${n.toFixed(1)}${suffix}`;
}

function restarts(p: ProcessStatus): string {
  if (p.restartBudget === null) return '-';
  return `${p.restarts} (${p.restartBudget} left)`;
}

function processRow(p: ProcessStatus, indent: string): Row {
  return {
    NAME: `${indent}${escapeControls(p.name)}`,
    PID: String(p.pid),
    HOST: escapeControls(p.host),
    STATE: p.state,
    UPTIME: formatDuration(p.uptimeMs),
    RESTARTS: restarts(p),
    RSS: formatBytes(p.rssBytes),
    'CPU%': num(p.cpuPercent),
    LAG: num(p.eventLoopLagMs, 'ms'),
    MAILBOX: '',
    ASKS: '',
    MSGS: '',
    ADDRESS: p.address === null ? '-' : escapeControls(p.address),
  };
}

function actorRow(a: ActorStatus, indent: string): Row {
  return {
    NAME: `${indent}@${escapeControls(a.id)} (${escapeControls(a.className)})`,
    PID: '',
    HOST: '',
    STATE: a.state,
    UPTIME: '',
    RESTARTS: '',
    RSS: '',
    'CPU%': '',
    LAG: '',
    MAILBOX: String(a.queued),
    ASKS: String(a.inFlightAsks),
    MSGS: `${a.processed}/${a.received}`,
    ADDRESS: '',
  };
}

/**
 * The table of `trees`: a header, then each process with its actors (`@id (Class)`) and its
 * children indented two spaces deeper; a process's last error or unreadable status follows it
 * on a `!` line. MSGS is processed/received; MAILBOX the messages waiting.
 */
export function formatTable(trees: readonly ProcessStatus[]): string {
  const lines: Array<Row | string> = [];
  const walk = (p: ProcessStatus, depth: number): void => {
    const indent = '  '.repeat(depth);
    lines.push(processRow(p, indent));
    for (const why of [p.statusError && `status not read: ${p.statusError}`, p.lastError && `last error: ${p.lastError}`]) {
      if (why) lines.push(`${indent}  ! ${escapeControls(why)}`);
    }
    for (const a of p.actors) lines.push(actorRow(a, `${indent}  `));
    for (const c of p.children) walk(c, depth + 1);
  };
  for (const tree of trees) walk(tree, 0);
  const rows = lines.filter((l): l is Row => typeof l !== 'string');
  const width = Object.fromEntries(COLUMNS.map((c) => [c, Math.max(c.length, ...rows.map((r) => r[c].length))])) as Record<(typeof COLUMNS)[number], number>;
  const render = (r: Row): string => COLUMNS.map((c, i) => (i === COLUMNS.length - 1 ? r[c] : r[c].padEnd(width[c]))).join('  ').trimEnd();
  const header = render(Object.fromEntries(COLUMNS.map((c) => [c, c])) as Row);
  return [header, ...lines.map((l) => (typeof l === 'string' ? l : render(l)))].join('\n') + '\n';
}

/** The JSON document of one frame. */
export function psDocument(trees: ProcessStatus[], unreachable: PsDocument['unreachable'], now = new Date()): PsDocument {
  return { schema: PS_SCHEMA, time: now.toISOString(), trees, unreachable };
}
