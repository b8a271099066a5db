/**
 * Entry script of every process zeroproc spawns (compiled to dist/children/bootstrap.js, or run
 * from source under tsx). The work is in src/process/child-main.ts; this file only starts it,
 * and reports a failure to do so the way Node reports any crash: on stderr, with exit code 1.
 */
import { runChild } from '../src/process/child-main.js';

runChild().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
