import { afterEach, describe, expect, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RPCClient } from '../../src/rpc/client.js';
import { alive, fixture, killAll, runFixture, waitGone } from '../fixtures/process/proc-util.js';

type Self = typeof import('../fixtures/process/self.mjs');

/** Long enough for the children to notice (the requirement is one second) on a loaded machine. */
const GONE_WITHIN = 5000;

const leftovers: number[] = [];
const launchers: ChildProcess[] = [];
afterEach(() => {
  killAll(leftovers.splice(0));
  for (const p of launchers.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

async function grandparent(mode: 'idle' | 'busy' | 'exit'): Promise<{ proc: ChildProcess; pids: number[] }> {
  const { proc, info } = await runFixture<{ pids: number[] }>('grandparent.ts', [mode]);
  launchers.push(proc);
  leftovers.push(...info.pids);
  return { proc, pids: info.pids };
}

describe('no orphans', () => {
  test('children of a parent killed with SIGKILL exit by themselves', async () => {
    const { proc, pids } = await grandparent('idle');
    expect(pids.every(alive)).toBe(true);
    proc.kill('SIGKILL');
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });

  test('a busy child with watchdog: true exits when its parent is SIGKILLed', async () => {
    const { proc, pids } = await grandparent('busy');
    proc.kill('SIGKILL');
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });

  test('a child still starting when its parent is SIGKILLed exits once it is up', async () => {
    const flag = join(tmpdir(), `zeroproc-held-${process.pid}-${Date.now()}`);
    try {
      // the child is held in its preload: its parent dies before it listens for that
      const { proc, info } = await runFixture<{ pid: number }>('starting-parent.ts', [flag]);
      launchers.push(proc);
      leftovers.push(info.pid);
      const killed = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await killed;
      writeFileSync(`${flag}.go`, '');
      expect(await waitGone([info.pid], GONE_WITHIN)).toEqual([]);
    } finally {
      rmSync(`${flag}.pid`, { force: true });
      rmSync(`${flag}.go`, { force: true });
    }
  });

  test('children of a parent that exits without stopping them are killed', async () => {
    const { proc, pids } = await grandparent('exit');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve(undefined) : proc.once('exit', resolve)));
    expect(await waitGone(pids, GONE_WITHIN)).toEqual([]);
  });
});

describe('detached daemon', () => {
  test('survives its parent and is reachable by address and authkey; closeServer ends it', async () => {
    const logFile = join(tmpdir(), `zeroproc-daemon-${process.pid}-${Date.now()}.log`);
    try {
      const { proc, info } = await runFixture<{ pid: number; address: string; authkey: string }>('daemon-launcher.ts', [logFile]);
      launchers.push(proc);
      leftovers.push(info.pid);
      await new Promise((resolve) => (proc.exitCode !== null ? resolve(undefined) : proc.once('exit', resolve)));
      expect(alive(info.pid)).toBe(true);

      const client = await RPCClient.connect(info.address, { authkey: Buffer.from(info.authkey, 'hex') });
      const remote = await client.import<Self>(fixture('self.mjs'));
      expect(await remote.pid).toBe(info.pid);
      const console_ = await client.import<{ log(s: string): void }>('node:console');
      await console_.log('daemon says hi');
      await client.closeServer();
      expect(await waitGone([info.pid], GONE_WITHIN)).toEqual([]);
      expect(readFileSync(logFile, 'utf8')).toContain('daemon says hi');
    } finally {
      rmSync(logFile, { force: true });
    }
  });
});
