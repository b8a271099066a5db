/**
 * Record filters, as `zeroproc logs` offers them: by process (glob), minimum level, stream,
 * text and time.
 */
import { InvalidArgumentError } from '../errors.js';
import { isLogLevel, levelPasses, LOG_LEVELS, type LogLevel, type LogRecord, type LogStream } from './record.js';

/** Which records to keep; every given criterion must hold. */
export interface RecordFilterOptions {
  /** Process name globs (`*`, `?`); a record matching any of them passes. */
  process?: string[];
  /** Minimum level. */
  level?: LogLevel;
  /** Streams to keep. */
  stream?: LogStream[];
  /** Text that must appear in the message or the stack (case-sensitive). */
  grep?: string;
  /** Keep records whose source time is at or after this (ms since the epoch). */
  since?: number;
}

/** A predicate over records. */
export type RecordFilter = (record: LogRecord) => boolean;

/** Builds the predicate for `options`; throws {@link InvalidArgumentError} on a bad value. */
export function makeRecordFilter(options: RecordFilterOptions): RecordFilter {
  const patterns = options.process?.map(globToRegExp);
  const { level, grep, since } = options;
  if (level !== undefined && !isLogLevel(level)) {
    throw new InvalidArgumentError(
      `unknown level ${JSON.stringify(level)} (expected one of ${Object.keys(LOG_LEVELS).join(', ')})`,
    );
  }
  const streams = options.stream ? new Set<string>(options.stream) : undefined;
  for (const s of streams ?? []) {
    if (s !== 'log' && s !== 'stdout' && s !== 'stderr') {
      throw new InvalidArgumentError(`unknown stream ${JSON.stringify(s)} (expected stdout, stderr or log)`);
    }
  }
  return (record) =>
    (patterns === undefined || patterns.some((p) => p.test(record.process))) &&
    (level === undefined || levelPasses(record.level, level)) &&
    (streams === undefined || streams.has(record.stream)) &&
    (grep === undefined || record.msg.includes(grep) || (record.stack?.includes(grep) ?? false)) &&
    (since === undefined || record.time >= since);
}

/** Turns a glob (`*` any run of characters, `?` one character) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a point in time: an ISO 8601 date/time (`2024-05-01`, `2024-05-01T10:00:00Z`), or a
 * duration back from `now` (`30s`, `5m`, `2h`, `1d`, `500ms`). Returns ms since the epoch.
 */
export function parseSince(text: string, now = Date.now()): number {
  const relative = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    throw new InvalidArgumentError(
      `cannot read time ${JSON.stringify(text)} (expected ISO 8601 like 2024-05-01T10:00:00Z, or a duration like 5m, 2h, 1d)`,
    );
  }
  return time;
}
