/**
 * A script that awaits `RPCServer.start()` (a bind, done by zeromq, which Node does not count as
 * pending work) is not idle: what zeroproc holds for it (its children) must not be closed then.
 * Seen as a script's children stopped while it awaited `createHost()` on a loaded machine.
 */
import { afterEach, expect, test } from '@jest/globals';
import { checkIdle, closeWhenIdle, IDLE_ORDER, setActiveResourcesProbe } from '../../src/idle-exit.js';
import { RPCServer } from '../../src/rpc/server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
  setActiveResourcesProbe(undefined);
});

test('while a server binds, the process is not idle', async () => {
  // nothing Node counts is pending: only zeroproc's sockets
  setActiveResourcesProbe(() => 0);
  const child = { closed: 0, order: IDLE_ORDER.children, busy: () => false, close: () => void child.closed++ };
  cleanups.push(closeWhenIdle(child));
  const starting = RPCServer.start({ address: 'tcp://127.0.0.1:*', authkey: 'k' });
  checkIdle();
  const server = await starting;
  cleanups.push(() => server.close());
  expect(child.closed).toBe(0);
});
