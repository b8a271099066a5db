#!/usr/bin/env node
/**
 * Entry point of the `zeroproc` command (package.json `bin`). The dispatcher lives in `cli.ts`
 * so that it can be imported without running.
 */
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
