import { afterEach, describe, expect, test } from '@jest/globals';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError, ProcessExitedError, SpawnError } from '../../src/errors.js';
import type { ProcessGiveupEvent, ProcessHandle, ProcessRestartEvent, ProcessState } from '../../src/process/handle.js';
import { spawn } from '../../src/process/spawner.js';
import { Supervisor } from '../../src/process/supervisor.js';
import { fixture, waitGone } from '../fixtures/process/proc-util.js';

type Behaviours = typeof import('../fixtures/process/behaviours.mjs');
type Self = typeof import('../fixtures/process/self.mjs');

const started: { kill(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((h) => h.kill()));
});

function next<E extends 'restart' | 'giveup' | 'exit'>(handle: ProcessHandle, event: E): Promise<Parameters<Parameters<ProcessHandle['once']>[1]>[0]> {
  return new Promise((resolve) => handle.once(event, resolve as never));
}

describe('restart policy', () => {
  test('on-failure: quick crashes restart with exponential back-off, then give up', async () => {
    const proc = await spawn({
      name: 'crash-loop',
      restart: { policy: 'on-failure', maxRestarts: 3, minUptime: 60_000, backoff: { initial: 10, factor: 2, max: 30 } },
    });
    started.push(proc);
    const restarts: ProcessRestartEvent[] = [];
    const pids = [proc.pid];
    // every new child is killed as soon as it is up: a crash loop, driven by events, not by time
    proc.on('restart', (e) => {
      restarts.push(e);
      pids.push(e.pid);
      process.kill(e.pid, 'SIGKILL');
    });
    const giveup = new Promise<ProcessGiveupEvent>((resolve) => proc.once('giveup', resolve));
    process.kill(proc.pid, 'SIGKILL');
    const event = await giveup;
    expect(restarts.map(({ attempt, delay }) => ({ attempt, delay }))).toEqual([
      { attempt: 1, delay: 10 },
      { attempt: 2, delay: 20 },
      { attempt: 3, delay: 30 },
    ]);
    expect(restarts.map((r) => r.previousPid)).toEqual(pids.slice(0, 3));
    expect(new Set(pids).size).toBe(4);
    expect(event).toMatchObject({ restarts: 3, lastExit: { code: null, signal: 'SIGKILL' } });
    expect(event.reason).toContain('maxRestarts 3');
    expect(proc.state).toBe('finished');
    expect(await proc.wait()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await waitGone(pids, 2000)).toEqual([]);
  });

  test('restarts that fail to start count as quick crashes, and giveup carries the start error', async () => {
    const flag = join(tmpdir(), `zeroproc-flag-${process.pid}-${Date.now()}`);
    try {
      const proc = await spawn({
        name: 'cannot-restart',
        env: { ZEROPROC_FIXTURE_FLAG: flag },
        preload: [fixture('fails-if-flagged.mjs')],
        restart: { policy: 'on-failure', maxRestarts: 2, minUptime: 60_000, backoff: { initial: 5, factor: 3 } },
      });
      started.push(proc);
      let restarted = 0;
      proc.on('restart', () => restarted++);
      const giveup = next(proc, 'giveup') as Promise<ProcessGiveupEvent>;
      writeFileSync(flag, '');
      process.kill(proc.pid, 'SIGKILL');
      const event = await giveup;
      expect(restarted).toBe(0);
      expect(event.restarts).toBe(2);
      expect(event.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
      expect(event.lastError).toBeInstanceOf(SpawnError);
      expect(event.lastError!.message).toContain('flag file present');
      await expect(proc.import('node:os')).rejects.toBeInstanceOf(ProcessExitedError);
    } finally {
      rmSync(flag, { force: true });
    }
  });

  test('a failing onRestart hook discards that child and the policy tries again', async () => {
    let calls = 0;
    const proc = await spawn({
      name: 'hook-fails-once',
      restart: { policy: 'on-failure', backoff: { initial: 0 } },
      onRestart: () => {
        if (++calls === 1) throw new Error('state could not be rebuilt');
      },
    });
    started.push(proc);
    const exits: (string | null)[] = [];
    proc.on('exit', (e) => exits.push(e.signal));
    const restarted = next(proc, 'restart') as Promise<ProcessRestartEvent>;
    process.kill(proc.pid, 'SIGKILL');
    expect(await restarted).toMatchObject({ attempt: 2 });
    expect(calls).toBe(2);
    expect(exits).toEqual(['SIGKILL', 'SIGKILL']);
    const p = await proc.import<Self>(fixture('self.mjs'));
    expect(await p.pid).toBe(proc.pid);
  });

  test('import() waiting for a restart whose onRestart fails gets the child of the next attempt', async () => {
    let calls = 0;
    const proc = await spawn({
      name: 'hook-fails-while-awaited',
      restart: { policy: 'on-failure', backoff: { initial: 0 } },
      onRestart: () => {
        if (++calls === 1) throw new Error('state could not be rebuilt');
      },
    });
    started.push(proc);
    const exited = next(proc, 'exit');
    process.kill(proc.pid, 'SIGKILL');
    await exited;
    expect(proc.state).toBe('restarting');
    const p = await proc.import<Self>(fixture('self.mjs'));
    expect(await p.pid).toBe(proc.pid);
    expect(calls).toBe(2);
  });

  test('stop() called from onRestart stops the new child instead of waiting for the hook forever', async () => {
    const pids: number[] = [];
    const proc = await spawn({
      name: 'stops-in-hook',
      restart: { policy: 'on-failure', backoff: { initial: 0 } },
      // a hook that finds the state cannot be rebuilt and gives up on the child
      onRestart: async (h) => {
        pids.push(h.pid);
        await h.stop();
      },
    });
    started.push(proc);
    process.kill(proc.pid, 'SIGKILL');
    expect(await proc.wait()).toEqual({ code: 0, signal: null });
    expect(proc.state).toBe('finished');
    expect(pids).toEqual([proc.pid]);
    expect(await waitGone(pids, 2000)).toEqual([]);
  });

  test('on-failure: the client follows the new child; proxies into the dead one keep failing', async () => {
    const hooked: number[] = [];
    const proc = await spawn({
      name: 'follows',
      restart: { policy: 'on-failure', backoff: { initial: 0 } },
      onRestart: async (h) => {
        // the hook's own calls reach the new child
        const p = await h.import<Self>(fixture('self.mjs'));
        hooked.push(await p.pid);
      },
    });
    started.push(proc);
    const firstPid = proc.pid;
    const firstClient = proc.client;
    const oldProcess = await proc.import<Self>(fixture('self.mjs'));
    const restarted = next(proc, 'restart');
    process.kill(firstPid, 'SIGKILL');
    const event = (await restarted) as ProcessRestartEvent;
    expect(event).toMatchObject({ attempt: 1, delay: 0, previousPid: firstPid });
    expect(proc.pid).toBe(event.pid);
    expect(proc.pid).not.toBe(firstPid);
    expect(hooked).toEqual([proc.pid]);
    expect(proc.client).not.toBe(firstClient);
    await expect(oldProcess.pid).rejects.toBeInstanceOf(ProcessExitedError);
    await expect(oldProcess.pid).rejects.toMatchObject({ pid: firstPid, signal: 'SIGKILL' });
    const fresh = await proc.import<Self>(fixture('self.mjs'));
    expect(await fresh.pid).toBe(proc.pid);
  });

  test('on-failure does not restart after a clean exit; always does', async () => {
    const onFailure = await spawn({ name: 'clean-on-failure', restart: 'on-failure' });
    started.push(onFailure);
    await (await onFailure.import<Behaviours>(fixture('behaviours.mjs'))).exitWith(0);
    expect(await onFailure.wait()).toEqual({ code: 0, signal: null });
    expect(onFailure.restarts).toBe(0);

    const always = await spawn({ name: 'clean-always', restart: { policy: 'always', backoff: { initial: 0 } } });
    started.push(always);
    const restarted = next(always, 'restart');
    await (await always.import<Behaviours>(fixture('behaviours.mjs'))).exitWith(0);
    expect(await restarted).toMatchObject({ attempt: 1 });
    expect(always.state).toBe('running');
  });

  test("always: a detached child that closed its server comes back at the same address at the first attempt; its socket's directory goes when the handle ends", async () => {
    const proc = await spawn({ name: 'detached-always', detached: true, restart: { policy: 'always', backoff: { initial: 0 } } });
    started.push(proc);
    const address = proc.address;
    const dir = dirname(address.slice('ipc://'.length));
    try {
      const restarted = next(proc, 'restart');
      await proc.client.closeServer();
      // attempt 1: a first attempt that cannot be reached is retried as a crash, which would hide it
      expect(await restarted).toMatchObject({ attempt: 1 });
      expect(proc.address).toBe(address);
      const self = await proc.import<Self>(fixture('self.mjs'));
      expect(await self.pid).toBe(proc.pid);
      expect(existsSync(dir)).toBe(true);
      // killed: its socket file stays behind, and the handle removes it with the directory
      await proc.kill();
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('import() between a crash and its restart waits for the new child', async () => {
    const proc = await spawn({ name: 'waits', restart: { policy: 'on-failure', backoff: { initial: 50 } } });
    started.push(proc);
    const exited = next(proc, 'exit');
    const firstPid = proc.pid;
    process.kill(firstPid, 'SIGKILL');
    await exited;
    expect(proc.state).toBe('restarting');
    const p = await proc.import<Self>(fixture('self.mjs'));
    const pid = await p.pid;
    expect(pid).not.toBe(firstPid);
    expect(pid).toBe(proc.pid);
  });

  test("an 'exit' listener sees what follows the exit, and an import() from it reaches the next child", async () => {
    const proc = await spawn({ name: 'exit-listener', restart: { policy: 'on-failure', maxRestarts: 1, minUptime: 60_000, backoff: { initial: 0 } } });
    started.push(proc);
    const states: ProcessState[] = [];
    proc.on('exit', () => states.push(proc.state));
    const called = new Promise<number>((resolve, reject) => {
      proc.once('exit', () => {
        proc
          .import<Self>(fixture('self.mjs'))
          .then((p) => p.pid)
          .then(resolve, reject);
      });
    });
    process.kill(proc.pid, 'SIGKILL');
    expect(await called).toBe(proc.pid);
    // the second crash exceeds maxRestarts: its listeners see the handle finished
    const gaveUp = next(proc, 'giveup');
    process.kill(proc.pid, 'SIGKILL');
    await gaveUp;
    expect(states).toEqual(['restarting', 'finished']);
  });

  test('stop() during the back-off cancels the restart', async () => {
    const proc = await spawn({ name: 'stop-in-backoff', restart: { policy: 'on-failure', backoff: { initial: 60_000, max: 60_000 } } });
    started.push(proc);
    let restarted = false;
    proc.on('restart', () => (restarted = true));
    const exited = next(proc, 'exit');
    process.kill(proc.pid, 'SIGKILL');
    await exited;
    expect(proc.state).toBe('restarting');
    expect(await proc.stop()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(proc.state).toBe('finished');
    expect(restarted).toBe(false);
  });

  test('stop() and kill() never trigger a restart', async () => {
    const proc = await spawn({ name: 'no-restart-on-stop', restart: 'always' });
    started.push(proc);
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
    expect(proc.restarts).toBe(0);
    expect(proc.state).toBe('finished');
  });

  test('restart() replaces the child on request', async () => {
    const proc = await spawn({ name: 'manual-restart' });
    started.push(proc);
    const firstPid = proc.pid;
    const events: string[] = [];
    proc.on('exit', (e) => events.push(`exit ${e.code} requested=${e.requested}`));
    proc.on('restart', (e) => events.push(`restart ${e.attempt}`));
    await proc.restart();
    expect(proc.pid).not.toBe(firstPid);
    expect(events).toEqual(['exit 0 requested=true', 'restart 1']);
    const os = await proc.import<typeof import('node:os')>('node:os');
    expect(typeof (await os.hostname())).toBe('string');
  });
});

describe('Supervisor', () => {
  test('N named children, round-robin pick, skipping finished ones', async () => {
    const pool = await Supervisor.start({ size: 3, name: 'pool', restart: 'never' });
    started.push({ kill: () => pool.stop({ timeout: 500 }) });
    expect(pool.handles.map((h) => h.name)).toEqual(['pool-0', 'pool-1', 'pool-2']);
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()].map((h) => h.name)).toEqual(['pool-0', 'pool-1', 'pool-2', 'pool-0']);
    await pool.get('pool-1')!.kill();
    expect([pool.pick(), pool.pick(), pool.pick()].map((h) => h.name)).toEqual(['pool-2', 'pool-0', 'pool-2']);
    const pids = pool.handles.map((h) => h.pid);
    await pool.stop();
    expect(() => pool.pick()).toThrow(NotFoundError);
    expect(await waitGone(pids, 2000)).toEqual([]);
  });

  test('children restart under the pool policy (on-failure by default)', async () => {
    const pool = await Supervisor.start({ size: 2, name: 'healing', restart: { backoff: { initial: 0 } } });
    started.push({ kill: () => pool.stop({ timeout: 500 }) });
    const victim = pool.handles[0]!;
    const oldPid = victim.pid;
    const restarted = next(victim, 'restart');
    process.kill(oldPid, 'SIGKILL');
    await restarted;
    expect(victim.pid).not.toBe(oldPid);
    const p = await victim.import<Self>(fixture('self.mjs'));
    expect(await p.pid).toBe(victim.pid);
  });
});
