import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { keyHolderDealer } from '../helpers/raw-peer.js';
import {
  AuthError, byRef, currentCall, DisconnectedError, Future, getValue, InvalidArgumentError, isProxy,
  NotFoundError, ProtocolError, release, RemoteError, RPCClient, RPCServer, sameObject, setAttr,
  TimeoutError, deriveCurveKeys, setDiagnosticSink, withOptions, type Remote,
} from '../../src/index.js';
import { Counter } from '../fixtures/rpc/counter.js';
import { eventually } from '../helpers/eventually.js';
import { PROTOCOL_VERSION } from '../../src/wire/index.js';

class Service {
  calls = 0;
  nested = { inner: { value: 7, list: [1, 2, 3] } };
  counter = new Counter(1);
  when = new Date(0);
  ping(x: number): number {
    this.calls++;
    return x;
  }
  async wait(ms: number, tag: string): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return tag;
  }
  makeCounter(start: number): Counter {
    return new Counter(start);
  }
  plain(): { a: number; b: string[] } {
    return { a: 1, b: ['x'] };
  }
  throwType(): never {
    throw new TypeError('wrong type here');
  }
  throwCustom(): never {
    throw Object.assign(new Error('custom failure', { cause: new RangeError('deeper') }), { code: 'E_CUSTOM', detail: 42 });
  }
  rejectLater(): Promise<never> {
    return Promise.reject(new SyntaxError('async failure'));
  }
  /** Runs until cancelled; records that it saw the abort. */
  aborted: string[] = [];
  async untilCancelled(tag: string): Promise<void> {
    const signal = currentCall()!.signal;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    this.aborted.push(tag);
  }
  callMe<T>(fn: () => T): T {
    return fn();
  }
  shared = new Counter(0);
  twice(): [Counter, Counter] {
    return [this.shared, this.shared];
  }
  big(fill: number): Buffer {
    return Buffer.alloc(4096, fill);
  }
  throwOdd(): never {
    throw Object.create(null);
  }
  async throwOddLater(): Promise<never> {
    throw { toString: 1 };
  }
  offLog: number[] = [];
  record(n: number): void {
    this.offLog.push(n);
  }
  freed: string[] = [];
  private readonly watch = new FinalizationRegistry<string>((tag) => this.freed.push(tag));
  /** Echoes bytes and watches for the received copy to be collected. */
  watchedEcho(bytes: Buffer): Buffer {
    this.watch.register(bytes, 'server');
    return bytes;
  }
  watchHere(bytes: Buffer): void {
    this.watch.register(bytes, 'client');
  }
}

let server: RPCServer;
let service: Service;
let client: RPCClient;
const extraClients: RPCClient[] = [];

beforeEach(async () => {
  server = await RPCServer.start({ name: 'test-server' });
  service = new Service();
  server.publish('service', service);
  client = await RPCClient.connect(server.address);
});

afterEach(async () => {
  client.close();
  for (const c of extraClients.splice(0)) c.close();
  await server.close();
});

async function svc(): Promise<Remote<Service>> {
  return client.get<Service>('service');
}

/** Waits until `read()` returns `expected` by polling round trips, failing after `tries`. */
async function until<T>(read: () => T | Promise<T>, expected: T, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if ((await read()) === expected) return;
    await client.ping();
  }
  expect(await read()).toBe(expected);
}

describe('calls', () => {
  test('a published object is reached through a proxy; values come back with their types', async () => {
    const s = await svc();
    expect(isProxy(s)).toBe(true);
    expect(await s.ping(5)).toBe(5);
    expect(await s.plain()).toEqual({ a: 1, b: ['x'] });
    expect(service.calls).toBe(1);
  });

  test('calls whose arguments and results hold no object keep every type and return type', async () => {
    const s = await svc();
    const calledBack = (x: unknown) => (s as unknown as Remote<{ callMe(fn: () => unknown): unknown }>).callMe(() => x);
    // arguments that are neither objects nor functions go without a reference encoder, both ways
    const big = 2n ** 70n;
    expect(await s.ping(big as unknown as number)).toBe(big);
    expect(await s.ping(undefined as unknown as number)).toBeUndefined();
    expect(await s.ping(null as unknown as number)).toBeNull();
    expect(await withOptions(s, { returnType: 'proxy' }).ping(3)).toBe(3);
    expect(await withOptions(s, { returnType: 'value' }).ping(4)).toBe(4);
    await expect(s.ping(Symbol('x') as unknown as number)).rejects.toThrow(/cannot send Symbol\(x\)/);
    // a function among primitive arguments still goes by reference, and is called back
    expect(await calledBack('back')).toBe('back');
    // the symbol never left: five pings reached the server
    expect(service.calls).toBe(5);
  });

  test('attribute paths are deferred: nothing is sent until awaited', async () => {
    const s = await svc();
    const deep = s.nested.inner.value;
    expect(isProxy(deep)).toBe(true);
    expect(await deep).toBe(7);
    expect(await s.nested.inner.list).toEqual([1, 2, 3]);
    expect(await s.when).toEqual(new Date(0));
  });

  test('a proxy to an attribute that is an object works like a proxy to the object', async () => {
    const s = await svc();
    const counter = s.counter;
    expect(await counter.add(2)).toBe(3);
    expect(service.counter.total).toBe(3);
  });

  test('setAttr and assignment change the remote object', async () => {
    const s = await svc();
    await setAttr(s.counter, 'total', 100);
    expect(service.counter.total).toBe(100);
    (s.counter as unknown as { total: number }).total = 5;
    await until(() => service.counter.total, 5);
  });

  test('returnType auto: class instances by reference, plain data by value; proxy and value force it', async () => {
    const s = await svc();
    const c = await s.makeCounter(10);
    expect(isProxy(c)).toBe(true);
    expect(await (c as unknown as Remote<Counter>).add(1)).toBe(11);
    const byValue = await withOptions(s, { returnType: 'value' }).makeCounter(3);
    expect(isProxy(byValue)).toBe(false);
    expect(byValue).toEqual({ total: 3, log: [] });
    const plainProxy = await withOptions(s, { returnType: 'proxy' }).plain();
    expect(isProxy(plainProxy)).toBe(true);
    expect(await (plainProxy as unknown as Remote<{ a: number }>).a).toBe(1);
    expect(await getValue(s.counter)).toEqual({ total: 1, log: [] });
  });

  test("async mode returns Futures that resolve out of order", async () => {
    const s = withOptions(await svc(), { mode: 'async' });
    const slow = s.wait(80, 'slow');
    const fast = s.wait(1, 'fast');
    expect(slow).toBeInstanceOf(Future);
    const order: string[] = [];
    slow.addCallback(() => order.push('slow'));
    fast.addCallback(() => order.push('fast'));
    expect(await fast).toBe('fast');
    expect(slow.done()).toBe(false);
    expect(await slow.result(5_000)).toBe('slow');
    expect(order).toEqual(['fast', 'slow']);
  });

  test("a Future's error waits to be asked for, and is not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const f = withOptions(await svc(), { mode: 'async' }).throwType();
      await new Promise<void>((r) => f.addCallback(() => r()));
      await new Promise((r) => setImmediate(r));
      expect(f.done()).toBe(true);
      expect(f.exception()).toBeInstanceOf(RemoteError);
      await expect(f.result()).rejects.toThrow(/wrong type here/);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test("'off' calls return nothing, run in order, and send no reply", async () => {
    const s = withOptions(await svc(), { mode: 'off' });
    for (let i = 0; i < 100; i++) expect(s.record(i)).toBeUndefined();
    await until(() => service.offLog.length, 100);
    expect(service.offLog).toEqual([...Array(100).keys()]);
  });

  test('remote construction; references are counted and freed on release', async () => {
    const mod = await client.import<typeof import('../fixtures/rpc/counter.js')>(new URL('../fixtures/rpc/counter.ts', import.meta.url).href);
    const base = server.objectCount;
    const c1 = await new mod.Counter(5);
    const c2 = await new mod.Counter(6);
    expect(await c1.add(1)).toBe(6);
    expect(await c2.total).toBe(6);
    expect(server.objectCount).toBe(base + 2);
    release(c1);
    c2[Symbol.dispose]();
    await until(() => server.objectCount, base);
    await expect(c1.add(1)).rejects.toThrow(NotFoundError);
  });

  test('GC releases proxies the program dropped', async () => {
    const s = await svc();
    const base = server.objectCount;
    await (async () => {
      for (let i = 0; i < 20; i++) await s.makeCounter(i);
    })();
    expect(server.objectCount).toBe(base + 20);
    for (let i = 0; i < 50 && server.objectCount > base; i++) {
      (globalThis as { gc?: () => void }).gc!();
      await new Promise((r) => setTimeout(r, 10));
      await client.ping();
    }
    expect(server.objectCount).toBe(base);
  });

  test('a received payload is not kept alive once handled, on either side, while the link is idle', async () => {
    const s = await svc();
    // no message may pass during the wait: a receive loop that kept its last message alive would
    // let it go only when the next one arrives
    const echoed = async () => service.watchHere(await s.watchedEcho(Buffer.alloc(1 << 20, 3)));
    await echoed();
    for (let i = 0; i < 20 && service.freed.length < 2; i++) {
      (globalThis as { gc?: () => void }).gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(service.freed.sort()).toEqual(['client', 'server']);
  });

  test('the same object twice in one reply gives two references, each released on its own', async () => {
    const s = await svc();
    const base = server.objectCount;
    const [a, b] = (await s.twice()) as unknown as [Remote<Counter>, Remote<Counter>];
    expect(sameObject(a, b)).toBe(true);
    release(a);
    expect(await b.add(2)).toBe(2);
    release(b);
    await until(() => server.objectCount, base);
  });

  test('a binary value sent by reference takes no attachment frame from the values after it', async () => {
    const s = await svc();
    const [asProxy, asValue] = await Promise.all([withOptions(s, { returnType: 'proxy' }).big(7), s.big(9)]);
    expect(isProxy(asProxy)).toBe(true);
    expect(Buffer.isBuffer(asValue)).toBe(true);
    expect(asValue.every((b) => b === 9)).toBe(true);
  });

  test('two proxies to one object compare equal with sameObject', async () => {
    const a = await svc();
    const b = await client.get<Service>('service');
    expect(a === b).toBe(false);
    expect(sameObject(a, b)).toBe(true);
    expect(sameObject(a.counter, b.counter)).toBe(true);
    expect(sameObject(a.counter, b.nested)).toBe(false);
  });

  test('remote import of a builtin and of a file', async () => {
    const os = await client.import<typeof import('node:os')>('node:os');
    expect(await os.hostname()).toBe((await import('node:os')).hostname());
    const mod = await client.import<typeof import('../fixtures/rpc/counter.js')>(new URL('../fixtures/rpc/counter.ts', import.meta.url).pathname);
    expect(await mod.square(9)).toBe(81);
    expect(await mod.settings.depth.level).toBe(3);
  });

  test('import waits for a slow module past the call timeout, up to its own (60 s, or `timeout`)', async () => {
    const slow = (query: string) => `${new URL('../fixtures/rpc/slow-module.mjs', import.meta.url).href}?${query}`;
    const other = await RPCServer.start({ name: 'slow-imports' });
    const impatient = await RPCClient.connect(other.address, { timeout: 100 });
    try {
      // 300 ms to load: three times the client's call timeout
      const mod = await impatient.import<{ loaded: boolean }>(slow('a'));
      expect(await mod.loaded).toBe(true);
      await expect(impatient.import(slow('b'), { timeout: 50 })).rejects.toThrow(TimeoutError);
      await expect(impatient.import(slow('c'), { timeout: 0 })).rejects.toThrow(/import: option `timeout` must be/);
    } finally {
      impatient.close();
      await other.close();
    }
  });

  test('a function argument is served by the caller and called back', async () => {
    const s = await svc();
    let called = 0;
    expect(await s.callMe(() => ++called)).toBe(1);
    expect(called).toBe(1);
    const marked = byRef({ hits: 0 });
    expect(await s.callMe(() => marked.hits)).toBe(0);
  });
});

describe('errors', () => {
  test('a remote throw arrives as RemoteError with name, message, stacks and origin', async () => {
    const s = await svc();
    const err = (await s.throwType().catch((e: unknown) => e)) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    // a standard class is kept (test/integration/rpc-error-classes.test.ts)
    expect(err).toBeInstanceOf(TypeError);
    expect(err.remoteName).toBe('TypeError');
    expect(err.message).toContain('wrong type here');
    expect(err.origin.server).toBe('test-server');
    expect(err.origin.pid).toBe(process.pid);
    expect(err.stack).toContain('remote stack');
    expect(err.stack).toContain('throwType');
  });

  test('cause and own fields survive', async () => {
    const err = (await (await svc()).throwCustom().catch((e: unknown) => e)) as RemoteError;
    expect(err.code).toBe('ERR_REMOTE');
    expect(err.remoteCode).toBe('E_CUSTOM');
    expect(err.fields.detail).toBe(42);
    expect((err.cause as Error).name).toBe('RangeError');
    expect((err.cause as Error).message).toBe('deeper');
  });

  test('a rejected promise is a RemoteError too', async () => {
    await expect((await svc()).rejectLater()).rejects.toMatchObject({ remoteName: 'SyntaxError' });
  });

  test('unknown names and released objects give NotFoundError naming them', async () => {
    await expect(client.get('nope')).rejects.toThrow(NotFoundError);
    await expect(client.get('nope')).rejects.toThrow(/"nope"/);
  });

  test('calling something that is not a function says so', async () => {
    const s = await svc();
    await expect((s.nested as unknown as () => Promise<void>)()).rejects.toThrow(/nested is not a function/);
  });

  test('paths through constructor or __proto__ are refused', async () => {
    const s = await svc() as unknown as Remote<{ constructor: { constructor: (code: string) => () => unknown } }>;
    await expect(s.constructor.constructor('return process.pid')).rejects.toThrow(AuthError);
  });

  test('a timeout rejects with TimeoutError and cancels the call on the server', async () => {
    const s = withOptions(await svc(), { timeout: 50 });
    const err = await s.untilCancelled('t1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/untilCancelled.*within 50 ms/);
    await until(() => service.aborted.length, 1);
    expect(service.aborted).toEqual(['t1']);
  });

  test('Future.cancel() aborts the running call', async () => {
    const f = withOptions(await svc(), { mode: 'async' }).untilCancelled('c1');
    await client.ping();
    f.cancel();
    await expect(f).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    await until(() => service.aborted.length, 1);
  });

  test('odd thrown values still give an error reply, and the server keeps serving', async () => {
    const s = await svc();
    await expect(s.throwOdd()).rejects.toBeInstanceOf(RemoteError);
    await expect(s.throwOddLater()).rejects.toBeInstanceOf(RemoteError);
    expect(await s.ping(3)).toBe(3);
  });

  test('a Future callback that throws does not stop the client', async () => {
    const f = withOptions(await svc(), { mode: 'async' }).ping(1);
    f.addCallback(() => {
      throw new Error('careless callback');
    });
    expect(await f).toBe(1);
    expect(await (await svc()).ping(2)).toBe(2);
  });

  test('withOptions checks its arguments', async () => {
    expect(() => withOptions(({}) as never, { mode: 'off' })).toThrow(InvalidArgumentError);
    expect(() => withOptions(client as never, {})).toThrow(/expected a zeroproc proxy/);
    const s = await svc();
    expect(() => withOptions(s, { timeout: 0 })).toThrow('withOptions: option `timeout` must be 1 to 2147483647 ms, got 0');
    expect(() => withOptions(s, { timeout: Infinity })).toThrow('withOptions: option `timeout` must be 1 to 2147483647 ms, got Infinity');
    expect(() => withOptions(s, { mode: 'later' as never })).toThrow("withOptions: option `mode` must be 'sync' or 'async' or 'off', got \"later\"");
  });
});

describe('server', () => {
  test('bad link options are refused by name before any socket exists (zeromq.js crashed at exit)', async () => {
    const server = RPCServer.start({ address: 'tcp://127.0.0.1:*', link: { highWaterMark: 2 ** 31 } });
    await expect(server).rejects.toThrow(InvalidArgumentError);
    await expect(server).rejects.toThrow('RPCServer.start: option `link.highWaterMark` must be 1 to 2147483647 messages, got 2147483648');
    const client = RPCClient.connect('tcp://127.0.0.1:1', { maxMessageSize: '1MB' as unknown as number });
    await expect(client).rejects.toThrow('RPCClient.connect: option `maxMessageSize` must be 1 to 9007199254740975 bytes, got "1MB"');
    await expect(RPCServer.start({ address: 'tcp://127.0.0.1:*', link: { highWaterMark: 1.5 } })).rejects.toThrow(/highWaterMark/);
  });

  test('a JSON client and a MessagePack client share one server', async () => {
    const json = await RPCClient.connect(server.address, { codec: 'json' });
    extraClients.push(json);
    const viaJson = await json.get<Service>('service');
    const viaPack = await svc();
    expect(await viaJson.ping(1)).toBe(1);
    expect(await viaPack.ping(2)).toBe(2);
    expect(await viaJson.when).toEqual(new Date(0));
    expect(service.calls).toBe(2);
  });

  test('closing the server rejects other clients\u2019 pending calls at once with DisconnectedError', async () => {
    const other = await RPCClient.connect(server.address, { codec: 'json' });
    extraClients.push(other);
    const s = await other.get<Service>('service');
    const pending = s.untilCancelled('closing');
    await other.ping();
    await client.closeServer();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DisconnectedError);
    await expect(s.ping(1)).rejects.toThrow(DisconnectedError);
    await server.closed;
  });

  test('publish refuses a taken name and non-objects', () => {
    expect(() => server.publish('service', {})).toThrow(/already published/);
    expect(() => server.publish('n', 3 as unknown as object)).toThrow(InvalidArgumentError);
  });

  test('a non-loopback address with an empty authkey (none) is refused', async () => {
    await expect(RPCServer.start({ address: 'tcp://0.0.0.0:*', authkey: '' })).rejects.toThrow(/refusing to bind tcp:\/\/0\.0\.0\.0:\* without an authkey/);
    await expect(RPCClient.connect('tcp://192.0.2.1:5555', { authkey: '' })).rejects.toThrow(AuthError);
  });

  test('a bad address is a clear error', async () => {
    await expect(RPCServer.start({ address: 'http://x' })).rejects.toThrow(/not a ZeroMQ address/);
  });

  test('ipc:// works', async () => {
    const ipc = await RPCServer.start({ address: `ipc:///tmp/zeroproc-test-${process.pid}.sock` });
    try {
      ipc.publish('x', { v: () => 'ipc!' });
      const c = await RPCClient.connect(ipc.address);
      extraClients.push(c);
      expect(await (await c.get<{ v(): string }>('x')).v()).toBe('ipc!');
    } finally {
      await ipc.close();
    }
  });

  test('garbage frames from a key holder do not crash the server', async () => {
    const raw = keyHolderDealer(server.address);
    raw.connect(server.address);
    try {
      await raw.send([Buffer.from('garbage')]);
      await raw.send([Buffer.of(0x5a, 0x50, 1, 0x6d), Buffer.alloc(0), Buffer.from([0xc1, 0xff, 0x00])]);
      // version 3's layout: the header in a frame of its own
      await raw.send([Buffer.of(0x5a, 0x50, 3, 0x6d), Buffer.from([0x91, 0x92, 0x63, 0x01])]);
      const header = Buffer.of(0x5a, 0x50, PROTOCOL_VERSION, 0x6d);
      await raw.send(Buffer.concat([header, Buffer.from([0xc1, 0xff, 0x00])]));
      // a map where a message must be an array, and an array with an unknown type code
      await raw.send(Buffer.concat([header, Buffer.from([0x91, 0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa3, 0x62, 0x61, 0x64])]));
      await raw.send(Buffer.concat([header, Buffer.from([0x91, 0x92, 0x63, 0x01])]));
    } finally {
      raw.close();
    }
    expect(await (await svc()).ping(9)).toBe(9);
  });

  test('a malformed request with an id gets a ProtocolError reply', async () => {
    const s = await svc();
    const attack = client as unknown as { send(r: unknown): Promise<unknown> };
    await expect(attack.send({ type: 'call', obj: 'x', path: [], args: [] })).rejects.toThrow(ProtocolError);
    expect(await s.ping(1)).toBe(1);
  });
});

describe('authentication (CURVE from the authkey, ZAP admits only its client key)', () => {
  let keyed: RPCServer;
  const diagnostics: string[] = [];
  beforeEach(async () => {
    setDiagnosticSink((_level, message) => diagnostics.push(message));
    keyed = await RPCServer.start({ authkey: 'right key', name: 'keyed' });
    keyed.publish('v', { answer: () => 42, blob: (n: number) => Buffer.alloc(n, 5) });
  });
  afterEach(async () => {
    await keyed.close();
    setDiagnosticSink(undefined);
    diagnostics.length = 0;
  });

  test('the right key works', async () => {
    const c = await RPCClient.connect(keyed.address, { authkey: 'right key' });
    extraClients.push(c);
    expect(await (await c.get<{ answer(): number }>('v')).answer()).toBe(42);
  });

  test.each([
    ['a wrong key', { authkey: 'wrong key' }, /refused the connection: the CURVE handshake failed .*another authkey/],
    ['no key (JSON)', { authkey: '', codec: 'json' as const }, /refused the connection: the server uses another security mechanism/],
    ['the default key of this process', {}, /another authkey/],
  ])('%s is refused with AuthError, fast, and the server says so', async (_what, options, message) => {
    const t0 = performance.now();
    const err = await RPCClient.connect(keyed.address, { ...options, timeout: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(message);
    expect(performance.now() - t0).toBeLessThan(2_500);
    await eventually(() => diagnostics.some((m) => /keyed: refused a connection at tcp:\/\/127\.0\.0\.1:\d+: its handshake failed/.test(m)), 5_000, 'the server\'s report');
  });

  test('a client that knows the server key but holds another client key is refused by the ZAP handler', async () => {
    const right = deriveCurveKeys(Buffer.from('right key'));
    const stranger = deriveCurveKeys(Buffer.from('stranger'));
    const err = await RPCClient.connect(keyed.address, { authkey: { server: { publicKey: right.server.publicKey }, client: stranger.client }, timeout: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/refused our CURVE key/);
    expect(diagnostics).toContainEqual(expect.stringMatching(/^keyed: refused a connection from 127\.0\.0\.1: its CURVE key is not admitted/));
    // the same client key, admitted explicitly, gets in
    const open = await RPCServer.start({ authkey: { ...right, admit: [stranger.client.publicKey] }, name: 'admits' });
    try {
      open.publish('v', { answer: () => 43 });
      const c = await RPCClient.connect(open.address, { authkey: { server: { publicKey: right.server.publicKey }, client: stranger.client } });
      extraClients.push(c);
      expect(await (await c.get<{ answer(): number }>('v')).answer()).toBe(43);
    } finally {
      await open.close();
    }
  });

  test('an explicit keyset is checked before any socket exists', async () => {
    await expect(RPCServer.start({ authkey: { server: { publicKey: 'short' }, client: { publicKey: 'x', secretKey: 'y' } } })).rejects.toThrow(/option `authkey.server.publicKey` must be a 40-character Z85 CURVE key, got "short"/);
  });

  test('a client that reached a loopback server by host name gets large attachments intact over CURVE', async () => {
    const port = keyed.address.split(':').pop();
    // this machine's own name resolves to loopback (/etc/hosts), but does not look local
    const name = hostname();
    expect((await lookup(name, { family: 4 })).address).toMatch(/^127\./);
    const c = await RPCClient.connect(`tcp://${name}:${port}`, { authkey: 'right key' });
    extraClients.push(c);
    const blob = await (await c.get<{ blob(n: number): Buffer }>('v')).blob(100_000);
    expect(blob.length).toBe(100_000);
    expect(blob.every((b) => b === 5)).toBe(true);
  });
});
