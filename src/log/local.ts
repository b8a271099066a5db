/**
 * Lets loggers in the process that runs a log server hand their records straight to it,
 * without a socket. The latest started server wins; closing it brings back the one before.
 */
import type { LogRecord } from './record.js';

/** Takes records produced in this process. */
export type LocalRecordSink = (record: LogRecord) => void;

const sinks: LocalRecordSink[] = [];

/** Registers the in-process receiver; returns the function that removes it again. */
export function pushLocalSink(sink: LocalRecordSink): () => void {
  sinks.push(sink);
  return () => {
    const at = sinks.lastIndexOf(sink);
    if (at !== -1) sinks.splice(at, 1);
  };
}

/** The in-process receiver in charge, if a log server runs in this process. */
export function currentLocalSink(): LocalRecordSink | undefined {
  return sinks[sinks.length - 1];
}
