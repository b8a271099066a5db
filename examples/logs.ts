/**
 * Logs: three children log (with a winston logger) and print (console.log/console.error); the
 * parent's log server shows it all in one stream and writes it to a file. Then the `zeroproc logs`
 * command reads that file: the last 20 records, and a filtered view.
 * Run: npx tsx examples/logs.ts
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getLogger, spawn, startLogServer } from 'zeroproc';

type Chatty = typeof import('./modules/chatty.js');

// A fresh directory, so `zeroproc logs` below shows this run only.
const dir = mkdtempSync(join(tmpdir(), 'zeroproc-logs-example-'));
const logServer = await startLogServer({ dir }); // also prints every record on stdout
const log = getLogger('main');

const children = await Promise.all(['api', 'db', 'cache'].map((name) => spawn({ name })));
try {
  log.info(`spawned ${children.map((c) => `${c.name} (pid ${c.pid})`).join(', ')}`);
  const url = new URL('./modules/chatty.ts', import.meta.url).href;
  // One after the other, so the log reads in a stable order.
  for (const [i, child] of children.entries()) await (await child.import<Chatty>(url)).handle(i + 1);
} finally {
  await Promise.all(children.map((c) => c.stop()));
}
log.info('all children stopped');
await logServer.close(); // flushes the file

// The `zeroproc` command (the package's bin; `npx zeroproc` inside a project that has it).
const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
async function zeroproc(...args: string[]): Promise<void> {
  console.log(`\n$ zeroproc ${args.join(' ').replace(dir, '<dir>')}`);
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  process.stdout.write(stdout);
}
try {
  await zeroproc('logs', '-n', '20', '--dir', dir);
  await zeroproc('logs', '--dir', dir, '--process', 'db', '--level', 'warn');
  await zeroproc('logs', '--dir', dir, '--stream', 'stdout', '--process', 'c*');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
