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
  /**
   * Print the record's text as it is, terminal control characters included. Default false:
   * they are shown escaped (see {@link escapeControls}), because a record's text comes from
   * whatever the process logged or wrote, and raw it could retitle or clear the reader's
   * terminal, write its clipboard (OSC 52), or fake a separate record with a line feed.
   */
  raw?: boolean;
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
 * logger record shows its level; a stack follows on the next lines, each indented. Unless
 * `raw`, control characters in the record's strings are escaped, so one record is one line
 * plus its indented stack, and nothing in it reaches the terminal as a command.
 */
export function formatRecord(record: LogRecord, options: FormatOptions = {}): string {
  const colors = options.colors ?? false;
  const raw = options.raw ?? false;
  const show = raw ? (text: string): string => text : escapeControls;
  const paint = (code: number, text: string): string => (colors ? `\x1b[${code}m${text}${RESET}` : text);
  const where = record.host === (options.localHost ?? localHostName) ? '' : `@${record.host}`;
  const tag = paint(processColor(record.process), `[${show(record.process)}:${record.pid}${show(where)}]`);
  const kind =
    record.stream === 'log'
      ? paint(LEVEL_COLORS[record.level], record.level)
      : paint(record.stream === 'stderr' ? LEVEL_COLORS[record.level] : 90, record.stream);
  const logger = record.logger ? `${show(record.logger)}: ` : '';
  const meta = record.meta && Object.keys(record.meta).length > 0 ? ` ${show(JSON.stringify(record.meta))}` : '';
  const time = options.time ? `${colors ? DIM : ''}${new Date(record.time).toISOString()}${colors ? RESET : ''} ` : '';
  let text = `${time}${tag} ${kind} ${logger}${show(record.msg)}${meta}`;
  if (record.stack) {
    // a stack's first line usually repeats the message
    let lines = record.stack.split('\n');
    if (record.msg && lines[0]!.includes(record.msg)) lines = lines.slice(1);
    // only a record's first line starts at the margin, so a stack line cannot pass for a record
    if (!raw) lines = lines.map((line) => (/^[ \t]/.test(line) ? escapeControls(line) : `    ${escapeControls(line)}`));
    const stack = lines.join('\n');
    if (stack) text += `\n${colors ? DIM : ''}${stack}${colors ? RESET : ''}`;
  }
  return text;
}

/**
 * Terminal control characters: C0 but tab, DEL, C1 (U+0080-U+009F, where U+009B starts a
 * sequence like ESC [), and the Unicode line separators and bidirectional overrides, which can
 * make text read differently from what it is.
 */
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every terminal control character replaced by a visible escape: `\n` and `\r` for
 * line feed and carriage return, `\xNN` for other characters up to U+00FF (ESC is `\x1b`, BEL
 * `\x07`), `\uNNNN` above. Tabs and backslashes stay as they are.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
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
