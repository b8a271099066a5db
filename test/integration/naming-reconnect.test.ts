/**
 * Reconnection by name (Pyro's autoreconnect) with real server processes killed and restarted:
 * the proxy follows the same name only, a call in flight when the server died fails and is not
 * sent again, later calls reach the new registration, at the same address or another one.
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { inspect } from 'node:util';
import { DisconnectedError, NotFoundError, TimeoutError, release, type NameEntry } from 'zeroproc';
import { eventually } from '../helpers/eventually.js';
import { freePort, nameServerPerTest } from '../helpers/naming-service.js';
import type { Service } from '../fixtures/naming/service.js';

const fixture = nameServerPerTest(beforeEach, afterEach);
const service = fixture.service;

test('a server killed mid-call and restarted at the same address: the call in flight fails, the next ones reach the new server', async () => {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const first = await service('svc', address);
  const moves: NameEntry[] = [];
  using svc = await fixture.client.lookup<Service>('svc', { reconnect: true, onReconnect: (e) => moves.push(e) });
  expect(await svc.add(1, 2)).toBe(3);
  const inFlight = svc.slow(60_000);
  await first.kill();
  await expect(inFlight).rejects.toBeInstanceOf(DisconnectedError);
  const second = await service('svc', address);
  expect(await svc.pid).toBe(second.pid);
  expect(await svc.add(2, 2)).toBe(4);
  expect(moves.map((e) => e.incarnation)).toEqual([second.entry!.incarnation]);
});

test('with no call in flight, the proxy learns from the name server that its object went away, and follows the name to another address', async () => {
  const first = await service('svc');
  using svc = await fixture.client.lookup<Service>('svc', { reconnect: true });
  expect(await svc.pid).toBe(first.pid);
  await first.kill();
  await eventually(() => fixture.ns.entries().length === 0, 2_000, 'the killed server\'s entry going');
  const second = await service('svc');
  expect(second.address).not.toBe(first.address);
  const t0 = performance.now();
  expect(await svc.pid).toBe(second.pid);
  // not after the dead address's call timeout: the proxy had already let go of it
  expect(performance.now() - t0).toBeLessThan(2_000);
});

test('a plain lookup does not follow; a reconnecting proxy waits for the name only up to reconnectTimeout, and never takes another name', async () => {
  const first = await service('svc');
  const plain = await fixture.client.lookup<Service>('svc');
  using svc = await fixture.client.lookup<Service>('svc', { reconnect: true, reconnectTimeout: 300 });
  await service('other');
  await first.kill();
  // the name server's word reaches the proxy: it lets go of the dead server before any call fails
  await eventually(() => inspect(svc).includes('(re-resolving)'), 2_000, 'the proxy letting go of its dead server');
  await expect(svc.pid).rejects.toBeInstanceOf(TimeoutError);
  await expect(plain.pid).rejects.toThrow();
  await expect(fixture.client.lookup('svc')).rejects.toBeInstanceOf(NotFoundError);
  release(plain);
});
