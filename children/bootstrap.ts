/**
 * Entry script of every process zeroproc spawns (compiled to dist/children/bootstrap.js, or run
 * from source under tsx). The work is in src/process/child-main.ts; this file only starts it,
 * and reports a failure to do so the way Node reports any crash: on stderr, with exit code 1.
 */
import { report, setDiagnosticSink } from '../src/diagnostics.js';
import { runChild } from '../src/process/child-main.js';

// What the library reports in a child (an 'off' call that threw, a dropped message) belongs in
// the aggregated log as one record with its stack. The log layer (winston) is not loaded at
// start, to keep spawning fast: the first report loads it, and it takes over the reporting.
setDiagnosticSink((level, message, error) => {
  void import('../src/log/logger.js').then(() => report(level, message, error));
});

runChild().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
