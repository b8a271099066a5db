/**
 * The human-readable form of a record: `[name:pid] level logger: message`, colour-coded by
 * process and level when the output is a terminal.
 */
import { hostname } from 'node:os';
import type { LogLevel, LogRecord } from './record.js';

/** Options of {@link formatRecord}. */
export interface FormatOptions {
  /** Use ANSI colours. Default false. */
  colors?: boolean;
  /** Prefix each record with its source time (ISO 8601, UTC). Default false. */
  time?: boolean;
  /**
   * This machine's host name: records from another host show `[name:pid@host]`. Default
   * `os.hostname()`.
   */
  localHost?: string;
}

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** Red is left out: it belongs to errors. */
const PROCESS_COLORS = [36, 35, 34, 32, 33, 96, 95, 94, 92, 93];

const LEVEL_COLORS: Record<LogLevel, number> = {
  error: 31,
  warn: 33,
  info: 32,
  http: 36,
  verbose: 36,
  debug: 34,
  silly: 90,
};

const localHostName = hostname();

/**
 * Formats one record for people. Captured output shows its stream (`stdout`/`stderr`) where a
 * logger record shows its level; a stack follows on the next lines.
 */
export function formatRecord(record: LogRecord, options: FormatOptions = {}): string {
  const colors = options.colors ?? false;
  const paint = (code: number, text: string): string => (colors ? `\x1b[${code}m${text}${RESET}` : text);
  const where = record.host === (options.localHost ?? localHostName) ? '' : `@${record.host}`;
  const tag = paint(processColor(record.process), `[${record.process}:${record.pid}${where}]`);
  const kind =
    record.stream === 'log'
      ? paint(LEVEL_COLORS[record.level], record.level)
      : paint(record.stream === 'stderr' ? LEVEL_COLORS[record.level] : 90, record.stream);
  const logger = record.logger ? `${record.logger}: ` : '';
  const meta = record.meta && Object.keys(record.meta).length > 0 ? ` ${JSON.stringify(record.meta)}` : '';
  const time = options.time ? `${colors ? DIM : ''}${new Date(record.time).toISOString()}${colors ? RESET : ''} ` : '';
  let text = `${time}${tag} ${kind} ${logger}${record.msg}${meta}`;
  if (record.stack) {
    // a stack's first line usually repeats the message
    const lines = record.stack.split('\n');
    const stack = record.msg && lines[0]!.includes(record.msg) ? lines.slice(1).join('\n') : record.stack;
    if (stack) text += `\n${colors ? DIM : ''}${stack}${colors ? RESET : ''}`;
  }
  return text;
}

/** A stable colour per process name, so a process keeps its colour across runs. */
function processColor(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return PROCESS_COLORS[hash % PROCESS_COLORS.length]!;
}

/**
 * Whether to colour output written to `stream`: `NO_COLOR` (any value) says no, `FORCE_COLOR`
 * (other than `0`) says yes, otherwise only a terminal gets colours.
 */
export function wantsColors(stream: { isTTY?: boolean }): boolean {
  if (process.env.NO_COLOR) return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0';
  return stream.isTTY === true;
}
