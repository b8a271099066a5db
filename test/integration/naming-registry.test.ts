/**
 * The name server with real registrant processes over loopback TCP (authkey, CURVE): register,
 * lookup, list with filters, remove; liveness (a SIGKILLed registrant's names go within 2 s, a
 * closed connection's at once, a stopped actor's at once); incarnations (a server restarted at the
 * same address is never reached through an old reference).
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { AlreadyExistsError, AuthError, InvalidArgumentError, NAMESERVER_ENV, NotFoundError, byRef, connect, connectNameServer, lookupUrl, release } from 'zeroproc';
import { eventually } from '../helpers/eventually.js';
import { freePort, nameServerPerTest } from '../helpers/naming-service.js';
import type { Clerk, Service } from '../fixtures/naming/service.js';

const fixture = nameServerPerTest(beforeEach, afterEach);
const service = fixture.service;

test('a name registered by another process is looked up, listed and called; the entry says where it lives', async () => {
  const s = await service('shop.main');
  const shop = await fixture.client.lookup<Service>('shop.main');
  expect(await shop.add(2, 3)).toBe(5);
  expect(await shop.pid).toBe(s.pid);
  const [entry] = await fixture.client.list('shop.');
  expect(entry).toEqual({
    name: 'shop.main', address: s.address, server: expect.any(String), object: expect.any(String),
    metadata: { kind: 'service' }, registeredAt: expect.any(Number), incarnation: s.entry!.incarnation,
  });
  expect(await fixture.client.lookupEntry('shop.main')).toEqual(entry);
  release(shop);
});

test('connect(zpname:NAME) reaches the object registered as NAME on the name server the environment names', async () => {
  const s = await service('shop.uri');
  const saved = process.env[NAMESERVER_ENV];
  process.env[NAMESERVER_ENV] = fixture.ns.address;
  try {
    const shop = await connect<Service>('zpname:shop.uri', { authkey: fixture.key });
    expect(await shop.pid).toBe(s.pid);
    release(shop);
    await expect(connect('zpname:shop.none', { authkey: fixture.key })).rejects.toThrow(NotFoundError);
  } finally {
    if (saved === undefined) delete process.env[NAMESERVER_ENV];
    else process.env[NAMESERVER_ENV] = saved;
  }
});

test('register refuses a held name unless replace; remove frees it; list filters by prefix and metadata', async () => {
  const a = byRef({ who: () => 'a' });
  const b = byRef({ who: () => 'b' });
  const first = await fixture.client.register('svc.one', a, { region: 'eu', tier: '1' });
  await expect(fixture.client.register('svc.one', b)).rejects.toBeInstanceOf(AlreadyExistsError);
  const second = await fixture.client.register('svc.one', b, { region: 'us' }, { replace: true });
  expect(second.incarnation).not.toBe(first.incarnation);
  expect(await (await fixture.client.lookup<{ who(): string }>('svc.one')).who()).toBe('b');
  await fixture.client.register('svc.two', a, { region: 'eu' });
  await fixture.client.register('other', a, { region: 'eu' });
  expect((await fixture.client.list('svc.')).map((e) => e.name)).toEqual(['svc.one', 'svc.two']);
  expect((await fixture.client.list('', { metadata: { region: 'eu' } })).map((e) => e.name)).toEqual(['other', 'svc.two']);
  expect(await fixture.client.remove('svc.two')).toBe(true);
  expect(await fixture.client.remove('svc.two')).toBe(false);
  await expect(fixture.client.lookup('svc.two')).rejects.toBeInstanceOf(NotFoundError);
});

test('bad names, metadata and options are refused before anything is sent; a hostile caller gets typed errors', async () => {
  await expect(fixture.client.register('', byRef({}))).rejects.toThrow(/a name must be 1 to 200 characters/);
  await expect(fixture.client.register('a/b', byRef({}))).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(fixture.client.register('x'.repeat(201), byRef({}))).rejects.toBeInstanceOf(InvalidArgumentError);
  await expect(fixture.client.register('ok', byRef({}), { n: 1 } as never)).rejects.toThrow(/metadata keys and values must be strings/);
  await expect(fixture.client.register('ok', byRef({}), {}, { replace: 'yes' } as never)).rejects.toThrow("register: option `replace` must be true or false, got \"yes\"");
  await expect(fixture.client.list('', { tags: [] } as never)).rejects.toThrow(/unknown filter `tags`/);
  await expect(connectNameServer(fixture.ns.address, { timeout: 0 })).rejects.toThrow('connectNameServer: option `timeout` must be 1 to 2147483647 ms, got 0');
  // the same checks hold on the server, for a peer that skips the client's
  const raw = await (await import('zeroproc')).RPCClient.connect(fixture.ns.address, { authkey: fixture.key });
  const registry = await raw.get<{ register(...a: unknown[]): Promise<unknown>; list(...a: unknown[]): Promise<unknown> }>('zeroproc.nameserver');
  await expect(registry.register('no-session', '../x', byRef({}))).rejects.toThrow(/a name must be/);
  await expect(registry.register('no-session', 'fine', { plain: 'value' })).rejects.toThrow(/expected a reference to an object/);
  await expect(registry.register('no-session', 'fine', byRef({}), {}, 'yes')).rejects.toThrow(/replace must be true or false, got "yes"/);
  await expect(registry.register('no-session', 'fine', byRef({}))).rejects.toThrow(/no session/);
  await expect(registry.list('', { metadata: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) })).rejects.toThrow(/at most 32 keys/);
  release(registry);
  raw.close();
});

test('a SIGKILLed registrant\'s names are gone within 2 s; a registrant that closes its connection loses them at once', async () => {
  const doomed = await service('doomed');
  const leaving = await service('leaving');
  expect((await fixture.client.list()).map((e) => e.name)).toEqual(['doomed', 'leaving']);
  const t0 = performance.now();
  doomed.child.kill('SIGKILL');
  await eventually(() => !fixture.ns.entries().some((e) => e.name === 'doomed'), 2_000, 'the dead registrant\'s entry going');
  expect(performance.now() - t0).toBeLessThan(2_000);
  expect(fixture.ns.entries().map((e) => e.name)).toEqual(['leaving']);
  await leaving.command('close');
  await eventually(() => fixture.ns.entries().length === 0, 1_000, 'the closed session\'s entry going');
});

test('an actor registered by its process loses its name when it stops; lookupUrl(zpname:) finds actors', async () => {
  const s = await service();
  await s.command('actor clerk');
  const clerk = await fixture.client.lookup<Clerk>('clerk');
  expect(await clerk.whoami()).toBe(`clerk in ${s.pid}`);
  release(clerk);
  process.env.ZEROPROC_NAMESERVER = fixture.ns.address;
  try {
    const byUrl = await lookupUrl<typeof Clerk>('zpname:clerk');
    expect(await byUrl.whoami()).toBe(`clerk in ${s.pid}`);
    release(byUrl);
    // with a key of its own: a connection of its own, closed once the reference is in hand
    const keyed = await lookupUrl<typeof Clerk>('zpname:clerk', { authkey: fixture.key });
    expect(await keyed.whoami()).toBe(`clerk in ${s.pid}`);
    release(keyed);
    await expect(lookupUrl('zpname:clerk', { authkey: 'wrong key' })).rejects.toBeInstanceOf(AuthError);
  } finally {
    delete process.env.ZEROPROC_NAMESERVER;
  }
  await s.command('stop clerk');
  await eventually(() => fixture.ns.entries().length === 0, 1_000, 'the stopped actor\'s entry going');
  await expect(lookupUrl('zpname:bad/name')).rejects.toBeInstanceOf(InvalidArgumentError);
});

test('a server restarted at the same address is never reached through the old reference', async () => {
  const address = `tcp://127.0.0.1:${await freePort()}`;
  const first = await service('svc', address);
  const old = await fixture.client.lookup<Service>('svc');
  expect(await old.pid).toBe(first.pid);
  await first.kill();
  await eventually(() => fixture.ns.entries().length === 0, 2_000, 'the killed server\'s entry going');
  const second = await service('svc', address);
  expect(second.entry!.incarnation).not.toBe(first.entry!.incarnation);
  // the old reference names the first server instance: the newcomer refuses it
  const err = await old.add(1, 1).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(NotFoundError);
  expect(String(err)).toMatch(/previous instance/);
  const fresh = await fixture.client.lookup<Service>('svc');
  expect(await fresh.pid).toBe(second.pid);
  release(fresh);
});
