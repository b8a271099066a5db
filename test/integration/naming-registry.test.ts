/**
 * The name server with real registrant processes over loopback TCP (authkey, CURVE): register,
 * lookup, list with filters, remove; liveness (a SIGKILLed registrant's names go within 2 s, a
 * closed connection's at once, a stopped actor's at once); incarnations (a server restarted at the
 * same address is never reached through an old reference).
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  AlreadyExistsError, InvalidArgumentError, NotFoundError, byRef, connectNameServer, lookupUrl, release, setDefaultAuthkey, startNameServer,
  type NameServer, type NameServerClient,
} from 'zeroproc';
import { eventually } from '../helpers/eventually.js';
import { freePort, startService, type ServiceProcess } from '../helpers/naming-service.js';
import type { Clerk, Service } from '../fixtures/naming/service.js';

const key = randomBytes(32).toString('hex');
let ns: NameServer;
let client: NameServerClient;
const services: ServiceProcess[] = [];

beforeEach(async () => {
  // references the name server hands out lead to the registrants' servers, keyed like it
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

async function service(name?: string, address?: string): Promise<ServiceProcess> {
  const s = await startService({ ZP_NS: ns.address, ZP_KEY: key, ...(name ? { ZP_NAME: name } : {}), ...(address ? { ZP_ADDRESS: address } : {}) });
  services.push(s);
  return s;
}

test('a name registered by another process is looked up, listed and called; the entry says where it lives', async () => {
  const s = await service('shop.main');
  const shop = await client.lookup<Service>('shop.main');
  expect(await shop.add(2, 3)).toBe(5);
  expect(await shop.pid).toBe(s.pid);
  const [entry] = await client.list('shop.');
  expect(entry).toEqual({
    name: 'shop.main', address: s.address, server: expect.any(String), object: expect.any(String),
    metadata: { kind: 'service' }, registeredAt: expect.any(Number), incarnation: s.entry!.incarnation,
  });
  expect(await client.lookupEntry('shop.main')).toEqual(entry);
  release(shop);
});

test('register refuses a held name unless replace; remove frees it; list filters by prefix and metadata', async () => {
  const a = byRef({ who: () => 'a' });
  const b = byRef({ who: () => 'b' });
  const first = await client.register('svc.one', a, { region: 'eu', tier: '1' });
  await expect(client.register('svc.one', b)).rejects.toBeInstanceOf(AlreadyExistsError);
  const second = await client.register('svc.one', b, { region: 'us' }, { replace: true });
  expect(second.incarnation).not.toBe(first.incarnation);
  expect(await (await client.lookup<{ who(): string }>('svc.one')).who()).toBe('b');
  await client.register('svc.two', a, { region: 'eu' });
  await client.register('other', a, { region: 'eu' });
  expect((await client.list('svc.')).map((e) => e.name)).toEqual(['svc.one', 'svc.two']);
  expect((await client.list('', { metadata: { region: 'eu' } })).map((e) => e.name)).toEqual(['other', 'svc.two']);
  expect(await client.remove('svc.two')).toBe(true);
  expect(await client.remove('svc.two')).toBe(false);
  await expect(client.lookup('svc.two')).rejects.toBeInstanceOf(NotFoundError);
});

test('bad names, metadata and options are refused before anything is sent; a hostile caller gets typed errors', async () => {
  await expect(client.register('', byRef({}))).rejects.toThrow(/a name must be 1 to 200 characters/);
  await expect(client.register('a/b', byRef({}))).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(client.register('x'.repeat(201), byRef({}))).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(client.register('ok', byRef({}), { n: 1 } as never)).rejects.toThrow(/metadata keys and values must be strings/);
  await expect(client.register('ok', byRef({}), {}, { replace: 'yes' } as never)).rejects.toThrow("register: option `replace` must be true or false, got \"yes\"");
  await expect(client.list('', { tags: [] } as never)).rejects.toThrow(/unknown filter `tags`/);
  await expect(connectNameServer(ns.address, { timeout: 0 })).rejects.toThrow('connectNameServer: option `timeout` must be 1 to 2147483647 ms, got 0');
  // the same checks hold on the server, for a peer that skips the client's
  const raw = await (await import('zeroproc')).RPCClient.connect(ns.address, { authkey: key });
  const registry = await raw.get<{ register(...a: unknown[]): Promise<unknown>; list(...a: unknown[]): Promise<unknown> }>('zeroproc.nameserver');
  await expect(registry.register('no-session', '../x', byRef({}))).rejects.toThrow(/a name must be/);
  await expect(registry.register('no-session', 'fine', { plain: 'value' })).rejects.toThrow(/expected a reference to an object/);
  await expect(registry.register('no-session', 'fine', byRef({}))).rejects.toThrow(/no session/);
  await expect(registry.list('', { metadata: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) })).rejects.toThrow(/at most 32 keys/);
  release(registry);
  raw.close();
});

test('a SIGKILLed registrant\'s names are gone within 2 s; a registrant that closes its connection loses them at once', async () => {
  const doomed = await service('doomed');
  const leaving = await service('leaving');
  expect((await client.list()).map((e) => e.name)).toEqual(['doomed', 'leaving']);
  const t0 = performance.now();
  doomed.child.kill('SIGKILL');
  await eventually(() => !ns.entries().some((e) => e.name === 'doomed'), 2_000, 'the dead registrant\'s entry going');
  expect(performance.now() - t0).toBeLessThan(2_000);
  expect(ns.entries().map((e) => e.name)).toEqual(['leaving']);
  await leaving.command('close');
  await eventually(() => ns.entries().length === 0, 1_000, 'the closed session\'s entry going');
});

test('an actor registered by its process loses its name when it stops; lookupUrl(zpname:) finds actors', async () => {
  const s = await service();
  await s.command('actor clerk');
  const clerk = await client.lookup<Clerk>('clerk');
  expect(await clerk.whoami()).toBe(`clerk in ${s.pid}`);
  release(clerk);
  process.env.ZEROPROC_NAMESERVER = ns.address;
  try {
    const byUrl = await lookupUrl<typeof Clerk>('zpname:clerk');
    expect(await byUrl.whoami()).toBe(`clerk in ${s.pid}`);
    release(byUrl);
  } finally {
    delete process.env.ZEROPROC_NAMESERVER;
  }
  await s.command('stop clerk');
  await eventually(() => ns.entries().length === 0, 1_000, 'the stopped actor\'s entry going');
  await expect(lookupUrl('zpname:bad/name')).rejects.toBeInstanceOf(InvalidArgumentError);
});

test('a server restarted at the same address is never reached through the old reference', async () => {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const first = await service('svc', address);
  const old = await client.lookup<Service>('svc');
  expect(await old.pid).toBe(first.pid);
  await first.kill();
  await eventually(() => ns.entries().length === 0, 2_000, 'the killed server\'s entry going');
  const second = await service('svc', address);
  expect(second.entry!.incarnation).not.toBe(first.entry!.incarnation);
  // the old reference names the first server instance: the newcomer refuses it
  const err = await old.add(1, 1).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect(String(err)).toMatch(/previous instance/);
  const fresh = await client.lookup<Service>('svc');
  expect(await fresh.pid).toBe(second.pid);
  release(fresh);
});
