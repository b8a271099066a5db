/**
 * Actors across real processes: call chains that come back (no deadlock, unrelated messages
 * wait), death of an actor's process, lookup by URL, hosts passed by reference, and uActor's one
 * process per actor (owner-only shutdown, forwarded references).
 */
import { afterEach, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  DisconnectedError, NotFoundError, NotOwnerError, ProcessExitedError, connectHost, createHost, isProxy, lookupUrl, release, sameObject, shutdown, spawn, spawnActor,
  type ActorHost, type ProcessHandle,
} from 'zeroproc';
import type * as peers from '../fixtures/actor/peers.js';
import { alive } from '../helpers/pids.js';

const fixture = fileURLToPath(new URL('../fixtures/actor/peers.ts', import.meta.url));

let procs: ProcessHandle[] = [];
let host: ActorHost | undefined;
const owned: AsyncDisposable[] = [];

afterEach(async () => {
  // what a test ended itself answers NotOwnerError here
  for (const o of owned.splice(0)) await Promise.resolve(o[Symbol.asyncDispose]()).catch(() => undefined);
  for (const p of procs.splice(0)) await p.kill();
  await host?.shutdown();
  host = undefined;
});

async function child(name: string): Promise<ProcessHandle> {
  const proc = await spawn({ name });
  procs.push(proc);
  return proc;
}

test('A asks B in another process, B asks A back: the chain is let in, an unrelated message waits', async () => {
  host = await createHost();
  const { Caller } = (await import('../fixtures/actor/peers.js')) as typeof peers;
  const caller = await host.spawn('caller', Caller);
  const h = await connectHost(await child('bouncer'));
  const bouncer = await h.spawn<typeof peers.Bouncer>('bouncer', `${fixture}#Bouncer`);
  const chain = caller.chainTo(bouncer, 4);
  // sent while the chain runs: it must wait for chainTo to end, not slip in at an await
  caller.note('unrelated');
  expect(await chain).toEqual(['bouncer 4', 'caller 3', 'bouncer 2', 'caller 1', 'bouncer 0', 'caller -1']);
  expect(await caller.notes).toEqual(['chain start', 'chain end', 'unrelated']);
  release(h);
});

test('an ask to an actor whose process is SIGKILLed rejects within a second', async () => {
  const proc = await child('doomed');
  const h = await connectHost(proc);
  const echo = await h.spawn<typeof peers.NetEcho>('echo', `${fixture}#NetEcho`);
  const pid = await echo.pid();
  const t0 = performance.now();
  const pending = echo.pid().then(() => echo.pid());
  process.kill(pid, 'SIGKILL');
  const err = await pending.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ProcessExitedError);
  expect((err as ProcessExitedError).signal).toBe('SIGKILL');
  expect(performance.now() - t0).toBeLessThan(1_000);
});

test('lookupUrl finds an actor by URL and fails fast when it or its host is missing', async () => {
  const h = await connectHost(await child('looked-up'));
  const echo = await h.spawn<typeof peers.NetEcho>('echo', `${fixture}#NetEcho`, 'url: ');
  const url = await h.urlOf('echo');
  const found = await lookupUrl<typeof peers.NetEcho>(url);
  found.echo('hi');
  expect(await echo.heard).toEqual(['url: hi']);
  release(found);
  await expect(lookupUrl(`${url}-missing`)).rejects.toBeInstanceOf(NotFoundError);
  const t0 = performance.now();
  await expect(lookupUrl('tcp://127.0.0.1:1/echo')).rejects.toBeInstanceOf(DisconnectedError);
  expect(performance.now() - t0).toBeLessThan(1_000);
  release(h);
});

test('a host passed by reference to another process is used there; a reference that comes home stays a reference', async () => {
  host = await createHost();
  const { NetEcho } = (await import('../fixtures/actor/peers.js')) as typeof peers;
  const local = await host.spawn('local', NetEcho);
  const h = await connectHost(await child('user'));
  const user = await h.spawn<typeof peers.NetEcho>('user', `${fixture}#NetEcho`);
  expect(await user.useHost(host as never, 'local')).toBe('local');
  // the user's tell is ordered with the user's own messages, not with ours: this ask may reach
  // the mailbox first, so look again (yielding to the event loop) until the tell has run
  let heard = await local.heard;
  while (heard.length === 0) {
    await new Promise((resolve) => setImmediate(resolve));
    heard = await local.heard;
  }
  expect(heard).toEqual(['hello from user']);
  // back home, the reference is still a mailbox reference, not the bare object
  const back = (await user.giveBack(local)) as unknown as typeof local;
  expect(isProxy(back)).toBe(true);
  expect(sameObject(back, local)).toBe(true);
  expect(back.echo('home again')).toBeUndefined();
  expect(await back.heard).toEqual(['hello from user', 'home again']);
  release(h);
});

test('spawnActor: one process per actor; the owner ends it, a forwarded reference works but cannot end it', async () => {
  const a = await spawnActor<typeof peers.NetEcho>(`${fixture}#NetEcho`, { name: 'alpha', args: ['a: '] });
  owned.push(a);
  const b = await spawnActor<typeof peers.NetEcho>(`${fixture}#NetEcho`, { name: 'beta' });
  owned.push(b);
  const pidA = await a.pid();
  expect(pidA).not.toBe(await b.pid());
  expect(await b.useAndTryShutdown(a)).toEqual({ pid: pidA, error: 'ERR_NOT_OWNER' });
  expect(await a.heard).toEqual(['a: from beta']);
  // this process owns both
  await shutdown(a);
  expect(alive(pidA)).toBe(false);
  await expect(shutdown(a)).rejects.toBeInstanceOf(NotOwnerError);
  const pidB = await b.pid();
  {
    await using solo = b;
    expect(await solo.pid()).toBe(pidB);
  }
  expect(alive(pidB)).toBe(false);
});
