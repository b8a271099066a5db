import { afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RPCClient } from '../../src/rpc/client.js';
import { alive, fixture, killAll, runFixture, waitGone } from '../fixtures/process/proc-util.js';

type Self = typeof import('../fixtures/process/self.mjs');

/** The promise: no child outlives its parent by more than a second, whatever state it is in. */
const GONE_WITHIN = 1000;
/** Start children without setpriv: the fallback (IPC disconnect plus a watchdog thread). */
const NO_DEATH_SIGNAL = { ZEROPROC_PDEATHSIG: 'off' };
/**
 * The fallback is code in the child (a thread polling every 250 ms, an event loop) that must get
 * the CPU to act, which a loaded machine delays by seconds; the kernel's signal needs none.
 */
const FALLBACK_GONE_WITHIN = 5000;

const leftovers: number[] = [];
const launchers: ChildProcess[] = [];
afterEach(() => {
  killAll(leftovers.splice(0));
  for (const p of launchers.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

async function grandparent(mode: 'idle' | 'busy' | 'stopped' | 'exit', env: Record<string, string> = {}): Promise<{ proc: ChildProcess; pids: number[] }> {
  const { proc, info } = await runFixture<{ pids: number[] }>('grandparent.ts', [mode], env);
  launchers.push(proc);
  leftovers.push(...info.pids);
  return { proc, pids: info.pids };
}

/** Starts a parent whose child is held in its preload (flag files under `flag`); resolves with both. */
async function startingChild(flag: string, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; pid: number }> {
  const { proc, info } = await runFixture<{ pid: number }>('starting-parent.ts', [flag], env);
  launchers.push(proc);
  leftovers.push(info.pid);
  return { proc, pid: info.pid };
}

describe('no orphans: the children of a parent killed with SIGKILL are gone within a second', () => {
  test('idle children', async () => {
    const { proc, pids } = await grandparent('idle');
    expect(pids.every(alive)).toBe(true);
    proc.kill('SIGKILL');
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });

  test('a child busy in a loop on its main thread, with default options', async () => {
    const { proc, pids } = await grandparent('busy');
    proc.kill('SIGKILL');
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });

  test('a child stopped with SIGSTOP', async () => {
    const { proc, pids } = await grandparent('stopped');
    proc.kill('SIGKILL');
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });

  test('a child still starting (held in its preload)', async () => {
    const flag = join(tmpdir(), `zeroproc-held-${process.pid}-${Date.now()}`);
    try {
      const { proc, pid } = await startingChild(flag);
      proc.kill('SIGKILL');
      // the preload is never released: the child must go while it is still starting
      expect(await waitGone([pid], GONE_WITHIN)).toEqual([]);
    } finally {
      rmSync(`${flag}.pid`, { force: true });
    }
  });

  test('children of a parent that exits without stopping them are killed', async () => {
    const { proc, pids } = await grandparent('exit');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve(undefined) : proc.once('exit', resolve)));
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });
});

describe('no orphans without setpriv (ZEROPROC_PDEATHSIG=off)', () => {
  test('a busy child: the watchdog thread, on by default then, ends it', async () => {
    const { proc, pids } = await grandparent('busy', NO_DEATH_SIGNAL);
    proc.kill('SIGKILL');
    expect(await waitGone(pids, FALLBACK_GONE_WITHIN)).toEqual([]);
  });

  test('a child still starting when its parent is SIGKILLed exits once it is up', async () => {
    const flag = join(tmpdir(), `zeroproc-held-${process.pid}-${Date.now()}`);
    try {
      // its parent dies before it listens for that: only the closed channel tells
      const { proc, pid } = await startingChild(flag, NO_DEATH_SIGNAL);
      const killed = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await killed;
      writeFileSync(`${flag}.go`, '');
      expect(await waitGone([pid], FALLBACK_GONE_WITHIN)).toEqual([]);
    } finally {
      rmSync(`${flag}.pid`, { force: true });
      rmSync(`${flag}.go`, { force: true });
    }
  });
});

describe('detached daemon', () => {
  test('survives its parent and is reachable by address, authkey and owner token; closeServer ends it', async () => {
    const logFile = join(tmpdir(), `zeroproc-daemon-${process.pid}-${Date.now()}.log`);
    try {
      const { proc, info } = await runFixture<{ pid: number; address: string; authkey: string; ownerToken: string }>('daemon-launcher.ts', [logFile]);
      launchers.push(proc);
      leftovers.push(info.pid);
      await new Promise((resolve) => (proc.exitCode !== null ? resolve(undefined) : proc.once('exit', resolve)));
      expect(alive(info.pid)).toBe(true);

      const client = await RPCClient.connect(info.address, { authkey: Buffer.from(info.authkey, 'hex'), ownerToken: info.ownerToken });
      const remote = await client.import<Self>(fixture('self.mjs'));
      expect(await remote.pid).toBe(info.pid);
      const console_ = await client.import<{ log(s: string): void }>('node:console');
      await console_.log('daemon says hi');
      await client.closeServer();
      expect(await waitGone([info.pid], GONE_WITHIN)).toEqual([]);
      expect(readFileSync(logFile, 'utf8')).toContain('daemon says hi');
      // its socket had a directory of its own; with its parent gone, the daemon removed it itself
      const socketDir = dirname(info.address.slice('ipc://'.length));
      expect(socketDir).toMatch(/\/zeroproc-\d+\/d[A-Za-z0-9]{6}$/);
      expect(existsSync(socketDir)).toBe(false);
    } finally {
      rmSync(logFile, { force: true });
    }
  });
});
