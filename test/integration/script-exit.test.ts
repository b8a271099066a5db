/**
 * Scripts end when their own work is done, as any Node script whose handles are idle: real
 * scripts run as subprocesses, and must exit by themselves (the timeout only bounds a failure).
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lookupUrl, release, RPCClient } from '../../src/index.js';
import { alive } from '../helpers/pids.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/scripts/${name}`, import.meta.url));
const SLOW = 60_000;

/** Resolves once `pid` is gone (its parent reaps it), polling /proc; the test's timeout bounds it. */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
}

const started: number[] = [];
const cleanupPaths: string[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const path of cleanupPaths.splice(0)) rmSync(path, { recursive: true, force: true });
});

function run(name: string, env: Record<string, string> = {}): ResultPromise<{ timeout: number; env: Record<string, string> }> {
  return execa(process.execPath, ['--import', 'tsx', fixture(name)], { timeout: 45_000, env: { NODE_OPTIONS: '', ...env } });
}

describe('a script ends on its own', () => {
  test('after spawning a child it never stopped; the child is stopped with it', async () => {
    const { stdout, exitCode, timedOut } = await run('spawn-only.ts');
    expect(timedOut).toBe(false);
    expect(exitCode).toBe(0);
    const { child, platform } = JSON.parse(stdout) as { child: number; platform: string };
    expect(platform).toBe(process.platform);
    await gone(child);
  }, SLOW);

  test('after handing a child a callback that the child keeps', async () => {
    const { stdout, exitCode, timedOut } = await run('callback-held.ts');
    expect(timedOut).toBe(false);
    expect(exitCode).toBe(0);
    const { child, calls } = JSON.parse(stdout) as { child: number; calls: number };
    expect(calls).toBe(1);
    await gone(child);
  }, SLOW);

  test("its private socket directory goes with it, a killed child's socket file included", async () => {
    const { stdout, exitCode } = await run('killed-child.ts');
    expect(exitCode).toBe(0);
    const { dir, address } = JSON.parse(stdout) as { dir: string; address: string };
    expect(address.startsWith(`ipc://${dir}/`)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  }, SLOW);

  test('a launcher ends and its detached daemon lives on', async () => {
    const { stdout, exitCode, timedOut } = await run('detached-launcher.ts');
    expect(timedOut).toBe(false);
    expect(exitCode).toBe(0);
    const { daemon, address } = JSON.parse(stdout) as { daemon: number; address: string };
    started.push(daemon);
    expect(alive(daemon)).toBe(true);
    // its socket is in a directory of its own, which the launcher's exit left in place
    const socket = address.slice('ipc://'.length);
    cleanupPaths.push(dirname(socket));
    expect(existsSync(socket)).toBe(true);
  }, SLOW);

  test('a script serving with its own RPCServer keeps running until the server closes', async () => {
    const key = 'own-server-test-key';
    const script = run('own-server.ts', { OWN_SERVER_KEY: key });
    const lines = createInterface({ input: script.stdout! });
    const [first] = (await new Promise<string[]>((resolve) => lines.once('line', (l) => resolve([l])))) as [string];
    const { address } = JSON.parse(first) as { address: string };
    const client = await RPCClient.connect(address, { authkey: key });
    try {
      // still serving after several idle checks: a call answers
      for (let i = 0; i < 5; i++) await client.ping();
      const control = await client.get<{ stop(): void }>('control');
      await control.stop();
    } finally {
      client.close();
    }
    const { exitCode, timedOut } = await script;
    expect(timedOut).toBe(false);
    expect(exitCode).toBe(0);
  }, SLOW);

  test.each(['shutdown', 'stopActor'])('a script hosting an actor keeps running while the actor lives, and ends after %s', async (how) => {
    const key = 'actor-host-test-key';
    const script = run('actor-host.ts', { HOST_KEY: key, HOST_EXIT: how });
    const lines = createInterface({ input: script.stdout! });
    const [first] = (await new Promise<string[]>((resolve) => lines.once('line', (l) => resolve([l])))) as [string];
    const { url } = JSON.parse(first) as { url: string };
    const keeper = await lookupUrl<new () => { hello(): string; finish(): void }>(url, { authkey: key });
    try {
      // the script printed the URL and went idle: the live actor still answers
      for (let i = 0; i < 5; i++) expect(await keeper.hello()).toBe('hello');
      await keeper.finish();
    } finally {
      release(keeper);
    }
    const { exitCode, timedOut } = await script;
    expect(timedOut).toBe(false);
    expect(exitCode).toBe(0);
  }, SLOW);
});
