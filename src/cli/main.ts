#!/usr/bin/env node
/**
 * Entry point of the `zeroproc` command (package.json `bin`). The dispatcher lives in `cli.ts`
 * so that it can be imported without running.
 */
import { main } from './cli.js';

// `zeroproc logs | head` closes our stdout early: that is the reader's choice, not a failure
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

process.exitCode = await main(process.argv.slice(2));
