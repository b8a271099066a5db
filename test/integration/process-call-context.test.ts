/**
 * The call context in spawned children: a child whose modules never load zeroproc serves calls
 * without AsyncLocalStorage (whose promise hooks every promise of the process would pay for), and
 * one that could read a context (zeroproc loaded, a reference received) gets it from its first
 * such call on.
 */
import { afterEach, expect, test } from '@jest/globals';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHost, spawn, type ActorHost, type ActorRef, type ProcessHandle } from 'zeroproc';
import type * as peers from '../fixtures/actor/peers.js';
import type * as plain from '../fixtures/process/plain-calls.mjs';
import type * as reader from '../fixtures/process/context-reader.mjs';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/process/${name}`, import.meta.url));

const procs: ProcessHandle[] = [];
let host: ActorHost | undefined;
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
  await host?.shutdown();
  host = undefined;
});

async function child(name: string, execArgv: string[] = []): Promise<ProcessHandle> {
  const proc = await spawn({ name, execArgv });
  procs.push(proc);
  return proc;
}

test('a child serving modules that never load zeroproc runs no promise hooks; loading zeroproc gives calls their context after awaits', async () => {
  const proc = await child('plain');
  const mod = await proc.import<typeof plain>(fixture('plain-calls.mjs'));
  expect(await mod.promiseHooksOn()).toBe(false);
  expect(await mod.promiseHooksOn()).toBe(false);
  const ctx = await proc.import<typeof reader>(fixture('context-reader.mjs'));
  expect(await ctx.callerPidAfterAwait()).toBe(process.pid);
  expect(await mod.promiseHooksOn()).toBe(true);
});

test("a plain child's first call that receives a reference carries the chain: an actor's call cycle through it comes back in", async () => {
  host = await createHost();
  const { Caller } = (await import('../fixtures/actor/peers.js')) as typeof peers;
  const caller = await host.spawn('caller', Caller);
  const mod = await (await child('plain-bouncer')).import<typeof plain>(fixture('plain-calls.mjs'));
  // the Caller asks `bounce(self, 3)` of the plain module as it would of a Bouncer actor
  const bouncer = mod as unknown as ActorRef<peers.Bouncer>;
  const chain = caller.chainTo(bouncer, 3);
  caller.note('unrelated');
  expect(await chain).toEqual(['plain 3', 'caller 2', 'plain 1', 'caller 0']);
  expect(await caller.notes).toEqual(['chain start', 'chain end', 'unrelated']);
});

test('zeroproc preloaded with --import before the bootstrap runs: calls get their context from the first', async () => {
  const proc = await child('preloaded', ['--import', pathToFileURL(fixture('context-reader.mjs')).href]);
  const ctx = await proc.import<typeof reader>(fixture('context-reader.mjs'));
  expect(await ctx.callerPidAfterAwait()).toBe(process.pid);
});

test("an actor's call into a plain child runs in its context: its chain is seen after zeroproc loads mid-call", async () => {
  host = await createHost();
  const { Relay } = (await import('../fixtures/actor/peers.js')) as typeof peers;
  const relay = await host.spawn('relay', Relay);
  const mod = await (await child('plain-chained')).import<typeof plain>(fixture('plain-calls.mjs'));
  expect(await relay.call(mod as unknown as Record<string, () => Promise<unknown>>, 'chainAfterLoading')).toBe(true);
});
