/**
 * Who this process is, as stamped on the records it produces.
 */
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import { PROCESS_NAME_ENV } from '../process/output-sink.js';
import { isLogLevel, toPlainData, type LogRecord } from './record.js';

let processName: string = process.env[PROCESS_NAME_ENV] || 'main';

/** Host name stamped on this process's records. */
export const HOST_NAME: string = hostname();

/**
 * Names this process in its log records. A spawned child starts with the name its parent gave
 * it (from the environment); any other process is `main` until it calls this.
 */
export function setProcessName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('process name must be a non-empty string');
  processName = name;
}

/** The name this process stamps on its log records. */
export function getProcessName(): string {
  return processName;
}

const INFO_FIELDS = new Set(['level', 'message', 'stack']);

/**
 * Turns what winston hands a transport (an `info` object: level, message, the call's metadata
 * merged in, or an `Error` logged as is) into a record stamped with this process's identity.
 */
export function recordFromInfo(info: Record<string, unknown>, logger: string): LogRecord {
  const level = isLogLevel(info.level) ? info.level : 'info';
  const message = info.message;
  const record: LogRecord = {
    time: Date.now(),
    host: HOST_NAME,
    process: processName,
    pid: process.pid,
    logger,
    stream: 'log',
    level,
    msg: typeof message === 'string' ? message : message === undefined ? '' : stringify(message),
  };
  const metaKeys = Object.keys(info).filter((k) => !INFO_FIELDS.has(k));
  if (metaKeys.length > 0) {
    const meta: Record<string, unknown> = {};
    for (const k of metaKeys) meta[k] = info[k];
    const plain = toPlainData(meta);
    if (plain && typeof plain === 'object') record.meta = plain as Record<string, unknown>;
  }
  if (typeof info.stack === 'string') record.stack = info.stack;
  return record;
}

function stringify(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(toPlainData(value));
  return String(value);
}
