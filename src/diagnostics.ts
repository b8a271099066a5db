/**
 * How library internals report what no caller is waiting for (a dropped bad message, a failed
 * `'off'` call). By default they go to stderr through `process.emitWarning`; the logging layer
 * routes them into the process's logger instead.
 */

/** Severity of a diagnostic. */
export type DiagnosticLevel = 'error' | 'warn' | 'info' | 'debug';

/** Receives diagnostics. */
export type DiagnosticSink = (level: DiagnosticLevel, message: string, error?: unknown) => void;

const stderrSink: DiagnosticSink = (level, message, error) => {
  if (level === 'debug' || level === 'info') return;
  const detail = error instanceof Error ? `\n${error.stack ?? error.message}` : error !== undefined ? ` ${String(error)}` : '';
  process.emitWarning(`${message}${detail}`, { type: 'ZeroprocWarning' });
};

let sink: DiagnosticSink = stderrSink;

/** Sends diagnostics to `next` (or back to stderr with undefined). */
export function setDiagnosticSink(next: DiagnosticSink | undefined): void {
  sink = next ?? stderrSink;
}

/** Reports a diagnostic. */
export function report(level: DiagnosticLevel, message: string, error?: unknown): void {
  try {
    sink(level, message, error);
  } catch {
    // a failing sink must not break the code that reports
  }
}

/**
 * A reporter for a repeated event (bad messages from a peer, say): the first occurrence is
 * reported, later ones at most once per `intervalMs`, with the count of those left out.
 */
export function rateLimited(level: DiagnosticLevel, intervalMs = 10_000): (message: string, error?: unknown) => void {
  let last = 0;
  let skipped = 0;
  return (message, error) => {
    const now = Date.now();
    if (last !== 0 && now - last < intervalMs) {
      skipped++;
      return;
    }
    const extra = skipped ? ` (${skipped} similar reports suppressed)` : '';
    skipped = 0;
    last = now;
    report(level, message + extra, error);
  };
}
