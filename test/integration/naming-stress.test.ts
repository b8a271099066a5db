/**
 * Pyro's nameserverstress: 5 client processes hammer one name server concurrently with register,
 * replace, lookup (and a call through the result), list and remove; each checks its own view as
 * it goes, and the final registry holds exactly what the clients say they left, no more, no less.
 * Then they all die, and every name goes.
 */
import { afterEach, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setDefaultAuthkey, startNameServer } from 'zeroproc';
import { perTestCleanup } from '../helpers/child-lines.js';
import { eventually } from '../helpers/eventually.js';

const fixture = fileURLToPath(new URL('../fixtures/naming/stress.ts', import.meta.url));
const CLIENTS = 5;
const OPS = 400;
const { children, cleanups } = perTestCleanup(afterEach);

function client(id: number, address: string, key: string): Promise<Record<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, NODE_OPTIONS: '', ZP_NS: address, ZP_KEY: key, ZP_ID: String(id), ZP_OPS: String(OPS) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  return Promise.race([
    once(lines, 'line').then(([line]) => {
      const report = JSON.parse(line as string) as { expected?: Record<string, number>; error?: string };
      if (report.error) throw new Error(report.error);
      return report.expected!;
    }),
    once(child, 'exit').then(([code, signal]) => {
      throw new Error(`stress client ${id} exited (${code ?? signal}) before reporting`);
    }),
  ]);
}

test(`${CLIENTS} client processes, ${OPS} operations each: nothing lost, nothing extra`, async () => {
  const key = randomBytes(32).toString('hex');
  setDefaultAuthkey(key);
  cleanups.push(() => setDefaultAuthkey(undefined));
  // a generous liveness bound: this test is about what concurrency does, not about slow probes
  const ns = await startNameServer({ address: 'tcp://127.0.0.1:*', authkey: key, livenessTimeout: 10_000 });
  cleanups.push(() => ns.close());
  const address = ns.address;
  const reports = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, address, key)));
  const expected = Object.assign({}, ...reports) as Record<string, number>;
  expect(Object.keys(expected).length).toBeGreaterThan(CLIENTS * 2);
  const actual = Object.fromEntries(ns.entries().map((e) => [e.name, Number(e.metadata.round)]));
  expect(actual).toEqual(expected);
  for (const child of children) child.kill('SIGKILL');
  await eventually(() => ns.entries().length === 0, 2_000, 'every dead client\'s names going');
}, 60_000);
