/**
 * Reconnection by name (Pyro's autoreconnect) with real server processes killed and restarted:
 * the proxy follows the same name only, a call in flight when the server died fails and is not
 * sent again, later calls reach the new registration, at the same address or another one.
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  DisconnectedError, NotFoundError, TimeoutError, connectNameServer, release, setDefaultAuthkey, startNameServer,
  type NameEntry, type NameServer, type NameServerClient,
} from 'zeroproc';
import { eventually } from '../helpers/eventually.js';
import { freePort, startService, type ServiceProcess } from '../helpers/naming-service.js';
import type { Service } from '../fixtures/naming/service.js';

const key = randomBytes(32).toString('hex');
let ns: NameServer;
let client: NameServerClient;
const services: ServiceProcess[] = [];

beforeEach(async () => {
  setDefaultAuthkey(key);
  ns = await startNameServer({ address: 'tcp://127.0.0.1:*', authkey: key });
  client = await connectNameServer(ns.address, { authkey: key });
});

afterEach(async () => {
  for (const s of services.splice(0)) await s.kill();
  client.close();
  await ns.close();
  setDefaultAuthkey(undefined);
});

async function service(name: string, address?: string): Promise<ServiceProcess> {
  const s = await startService({ ZP_NS: ns.address, ZP_KEY: key, ZP_NAME: name, ...(address ? { ZP_ADDRESS: address } : {}) });
  services.push(s);
  return s;
}

test('a server killed mid-call and restarted at the same address: the call in flight fails, the next ones reach the new server', async () => {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const first = await service('svc', address);
  const moves: NameEntry[] = [];
  using svc = await client.lookup<Service>('svc', { reconnect: true, onReconnect: (e) => moves.push(e) });
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
  using svc = await client.lookup<Service>('svc', { reconnect: true });
  expect(await svc.pid).toBe(first.pid);
  await first.kill();
  await eventually(() => ns.entries().length === 0, 2_000, 'the killed server\'s entry going');
  const second = await service('svc');
  expect(second.address).not.toBe(first.address);
  const t0 = performance.now();
  expect(await svc.pid).toBe(second.pid);
  // not after the dead address's call timeout: the proxy had already let go of it
  expect(performance.now() - t0).toBeLessThan(2_000);
});

test('a plain lookup does not follow; a reconnecting proxy waits for the name only up to reconnectTimeout, and never takes another name', async () => {
  const first = await service('svc');
  const plain = await client.lookup<Service>('svc');
  using svc = await client.lookup<Service>('svc', { reconnect: true, reconnectTimeout: 300 });
  await service('other');
  await first.kill();
  await eventually(() => !ns.entries().some((e) => e.name === 'svc'), 2_000, 'the killed server\'s entry going');
  await expect(svc.pid).rejects.toBeInstanceOf(TimeoutError);
  await expect(plain.pid).rejects.toThrow();
  await expect(client.lookup('svc')).rejects.toBeInstanceOf(NotFoundError);
  release(plain);
});
