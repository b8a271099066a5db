/**
 * The log record: what every process sends to the log server, what the server writes as one JSON
 * line and publishes to subscribers. The wire format is described in docs/LOGGING.md.
 */
import { ProtocolError } from '../errors.js';

/** Where a record came from: a logger call, or a line the process wrote to a pipe. */
export type LogStream = 'log' | 'stdout' | 'stderr';

/** Log levels, most severe first (winston's `npm` levels). */
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

/** Severity of each level: lower is more severe. */
export const LOG_LEVELS: Readonly<Record<LogLevel, number>> = Object.freeze({
  error: 0,
  warn: 1,
  info: 2,
  http: 3,
  verbose: 4,
  debug: 5,
  silly: 6,
});

/** Level given to a line a child wrote to stdout. */
export const STDOUT_LEVEL: LogLevel = 'info';
/**
 * Level given to a line a child wrote to stderr: `warn`, not `error`, because programs write
 * progress and diagnostics there as often as failures.
 */
export const STDERR_LEVEL: LogLevel = 'warn';

/** One log record. */
export interface LogRecord {
  /** When the source process produced it, in ms since the epoch (within ±8.64e15, a `Date`'s range), by the source's clock. */
  time: number;
  /** Host name of the source process. */
  host: string;
  /** Name of the source process (set by its parent, or with `setProcessName`). */
  process: string;
  /** Pid of the source process. */
  pid: number;
  /** Name of the logger (`getLogger(name)`); empty for captured stdout/stderr lines. */
  logger: string;
  /** Where the record came from. */
  stream: LogStream;
  /** Severity. */
  level: LogLevel;
  /** The message text. */
  msg: string;
  /** Extra structured fields given to the logger call (JSON-compatible). */
  meta?: Record<string, unknown>;
  /** Stack of the error that was logged, if any. */
  stack?: string;
}

/** True when `value` names a {@link LogLevel}. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LOG_LEVELS, value);
}

/** True when a record of level `level` passes a `minimum` threshold (e.g. `warn` passes `info`). */
export function levelPasses(level: LogLevel, minimum: LogLevel): boolean {
  return LOG_LEVELS[level] <= LOG_LEVELS[minimum];
}

const STREAMS: ReadonlySet<string> = new Set(['log', 'stdout', 'stderr']);

/** The largest distance from the epoch a `Date` can hold, in ms; readers format `time` as one. */
const MAX_DATE_MS = 8.64e15;

/**
 * Checks that `value` is a well-formed record and returns a clean copy of it (unknown fields are
 * dropped). Throws {@link ProtocolError} naming the first bad field.
 */
export function validateRecord(value: unknown): LogRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`log record must be a map, got ${describe(value)}`);
  }
  const v = value as Record<string, unknown>;
  const bad = (field: string, want: string): never => {
    throw new ProtocolError(`log record field "${field}" must be ${want}, got ${describe(v[field])}`);
  };
  if (typeof v.time !== 'number' || !(Math.abs(v.time) <= MAX_DATE_MS)) bad('time', 'a number of ms within the range of a Date');
  if (typeof v.host !== 'string') bad('host', 'a string');
  if (typeof v.process !== 'string') bad('process', 'a string');
  if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid < 0) bad('pid', 'a non-negative integer');
  if (typeof v.logger !== 'string') bad('logger', 'a string');
  if (typeof v.stream !== 'string' || !STREAMS.has(v.stream)) bad('stream', '"log", "stdout" or "stderr"');
  if (!isLogLevel(v.level)) bad('level', `one of ${Object.keys(LOG_LEVELS).join(', ')}`);
  if (typeof v.msg !== 'string') bad('msg', 'a string');
  if (v.meta !== undefined && v.meta !== null && !isPlainMap(v.meta)) bad('meta', 'a map');
  if (v.stack !== undefined && v.stack !== null && typeof v.stack !== 'string') bad('stack', 'a string');
  const record: LogRecord = {
    time: v.time as number,
    host: v.host as string,
    process: v.process as string,
    pid: v.pid as number,
    logger: v.logger as string,
    stream: v.stream as LogStream,
    level: v.level as LogLevel,
    msg: v.msg as string,
  };
  if (isPlainMap(v.meta)) record.meta = v.meta;
  if (typeof v.stack === 'string') record.stack = v.stack;
  return record;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (Buffer.isBuffer(value)) return 'binary data';
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  return `${typeof value} ${text.slice(0, 60)}`;
}

/**
 * Makes `value` safe for JSON and MessagePack: an object met again (a cycle, or a shared
 * reference) becomes `"[Circular]"`, BigInts strings,
 * errors `{name, message, stack}`, functions and symbols disappear (as `JSON.stringify` does).
 */
export function toPlainData(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[Circular]';
      seen.add(v);
      if (v instanceof Error) return { ...v, name: v.name, message: v.message, stack: v.stack };
    }
    return v;
  });
  return text === undefined ? undefined : JSON.parse(text);
}
