/**
 * Oneway methods and exposure control, against a server in another process
 * (test/fixtures/rpc/exposure-peer.ts): what a key holder can reach on a published object, and
 * what a call to a declared oneway method waits for.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  Actor, AuthError, createHost, getValue, NotExposedError, RPCClient, RPCServer, setAttr, setDefaultAuthkey, withOptions, type Remote,
} from '../../src/index.js';
import type { Account, Logger, Vault } from '../fixtures/rpc/exposure-peer.js';
import { startPeer, type PeerProcess } from '../helpers/peer-process.js';
import { RawPeer } from '../helpers/raw-peer.js';

/**
 * The awaited value of a proxied property: what `await` does. (jest's `expect(fn).rejects` would
 * call a function, and a proxy is one.)
 */
function read(property: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(property);
}

const KEY = 'exposure-test-key';

interface Control {
  reports(): string[];
}

interface Notes {
  taken: string[];
  note(text: string): Promise<never>;
}

/** The proxy typed as an object of any members, for setting what its class does not declare. */
function loose(proxy: Remote<Vault>): Remote<Record<string, unknown>> {
  return proxy as unknown as Remote<Record<string, unknown>>;
}

let peer: PeerProcess;
let client: RPCClient;

beforeAll(async () => {
  setDefaultAuthkey(KEY);
  peer = await startPeer({ ZP_TEST_KEY: KEY }, 'exposure-peer.ts');
  client = await RPCClient.connect(peer.address);
});

afterAll(async () => {
  client.close();
  await peer.kill();
  setDefaultAuthkey(undefined);
});

/** Asks `read` (a round trip each time) until `check` holds on what it returns. */
async function untilRemote<T>(read: () => Promise<T>, check: (value: T) => boolean, tries = 500): Promise<T> {
  let last = await read();
  for (let i = 0; i < tries && !check(last); i++) last = await read();
  return last;
}

describe('oneway methods', () => {
  test('a call to a method the class declares oneway returns undefined at once, while the method still waits', async () => {
    const logger = withOptions(await client.get<Logger>('logger'), { timeout: 2_000 });
    // log() waits at a gate until open(): a caller that waited for it would time out
    expect(await logger.log('first')).toBeUndefined();
    expect(await logger.log('second')).toBeUndefined();
    expect(await logger.count()).toBe(0);
    await logger.open();
    expect(await untilRemote(() => logger.count(), (n) => n === 2)).toBe(2);
  });

  test('a oneway method is sent off whatever the proxy mode', async () => {
    const notes = await client.get<Notes>('notes');
    // `note` never settles: only a call that does not wait returns
    expect(withOptions(notes, { mode: 'sync', timeout: 1_000 }).note('a')).toBeUndefined();
    expect(withOptions(notes, { mode: 'async', timeout: 1_000 }).note('b')).toBeUndefined();
    expect(await untilRemote(() => getValue(notes.taken), (t) => t.length === 2)).toEqual(['a', 'b']);
  });

  test('the reference carries the oneway list, and a client that ignores it gets an answer at once', async () => {
    const raw = new RawPeer(peer.address);
    try {
      const ref = await raw.published('logger');
      expect(ref.oneway).toEqual(['log', 'explode']);
      // a call with an id (as a client that does not read the list sends it) to a method that
      // never settles, then a ping: the call is answered first, without waiting for the method
      const notes = await raw.published('notes');
      await raw.send([
        { type: 'call', id: 7, server: notes.server, obj: notes.obj, path: ['note'], args: ['raw'], ret: 'auto' },
        { type: 'ping', id: 8 },
      ]);
      const replies: Array<{ type: string; id: number; value?: unknown }> = [];
      while (!replies.some((r) => r.id === 8)) replies.push(...((await raw.receive()) as typeof replies));
      expect(replies.map((r) => [r.type, r.id])).toEqual([['ok', 7], ['ok', 8]]);
      expect(replies[0]!.value).toBeUndefined();
    } finally {
      raw.close();
    }
  });

  test('a throw in a oneway method is reported in the server process, and the caller hears nothing', async () => {
    const logger = await client.get<Logger>('logger');
    const control = await client.get<Control>('control');
    expect(logger.explode('boom')).toBeUndefined();
    const reports = await untilRemote(() => control.reports(), (r) => r.some((line) => line.includes('exploded: boom')));
    expect(reports.find((line) => line.includes('exploded: boom'))).toMatch(/^error exposure-peer: 'off' call of explode failed/);
  });

  test("an actor's `static oneway` is its tell: one table for both spellings", async () => {
    class Tally extends Actor {
      static oneway = ['bump'] as const;
      n = 0;
      bump(): number {
        return ++this.n;
      }
      count(): number {
        return this.n;
      }
    }
    const host = await createHost();
    try {
      const tally = await host.spawn('tally', Tally);
      expect(tally.bump()).toBeUndefined();
      expect(await tally.count()).toBe(1);
    } finally {
      await host.shutdown();
    }
  });
});

describe('default exposure: what every object keeps to itself', () => {
  let vault: Remote<Vault>;
  beforeAll(async () => {
    vault = await client.get<Vault>('vault');
  });

  test('`_private` members cannot be read, set, called or walked through', async () => {
    await expect(read(vault._secret)).rejects.toThrow(NotExposedError);
    await expect(read(vault._secret)).rejects.toThrow('"_secret" of Vault is not exposed');
    await expect(setAttr(vault, '_secret', 'guess')).rejects.toThrow(NotExposedError);
    await expect(read(vault.data.inner._hidden)).rejects.toThrow(NotExposedError);
    expect(await vault.data.inner.shown).toBe(2);
    // the object's own methods still use them
    expect(await vault.open('the combination')).toBe(true);
  });

  test("a function's source cannot be read: toString of a method or a published function", async () => {
    await expect(vault.open.toString()).rejects.toThrow(NotExposedError);
    const fn = await client.get<(x: number) => number>('fn');
    await expect(fn.toString()).rejects.toThrow(/"toString" of function secretSource is not exposed/);
    expect(await fn(21)).toBe(42);
    // a class's own toString is its own method, and reachable
    expect(await vault.toString()).toBe('Vault(vault)');
  });

  test('call, apply and bind run a function with its own `this`: a client cannot choose it', async () => {
    type Invokers = Record<'call' | 'apply' | 'bind', (...a: unknown[]) => Promise<unknown>> & Record<'caller', PromiseLike<unknown>>;
    const open = vault.open as unknown as Invokers;
    // with `this` chosen by the caller, open() would compare against the caller's own `_secret`
    expect(await open.call({ _secret: 'guess' }, 'guess')).toBe(false);
    expect(await open.apply({ _secret: 'guess' }, ['guess'])).toBe(false);
    expect(await open.call(null, 'the combination')).toBe(true);
    const bound = (await open.bind({ _secret: 'guess' })) as unknown as (code: string) => Promise<boolean>;
    expect(await bound('guess')).toBe(false);
    expect(await bound('the combination')).toBe(true);
    await expect(open.apply(null, { length: 1e9 })).rejects.toThrow('open.apply: the arguments must be an array, got an object');
    // reading them (rather than calling through them) is refused like any built-in
    await expect(read(open.caller)).rejects.toThrow(NotExposedError);
    await expect(read((vault.add as unknown as Record<'call', PromiseLike<unknown>>).call)).rejects.toThrow(NotExposedError);
    expect(await vault.add(1, 2)).toBe(3);
  });

  test('built-ins of Object.prototype cannot be called or shadowed', async () => {
    const remote = vault as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await expect(remote.hasOwnProperty!('_secret')).rejects.toThrow(NotExposedError);
    await expect(setAttr(loose(vault), 'hasOwnProperty', 1)).rejects.toThrow(NotExposedError);
    await expect(setAttr(loose(vault), 'valueOf', 1)).rejects.toThrow(NotExposedError);
  });

  test('constructor escapes and __proto__ pollution stay refused', async () => {
    const remote = vault as unknown as Record<string, Record<string, (s: string) => Promise<unknown>>>;
    await expect(remote.constructor!.constructor!('return process')).rejects.toThrow(AuthError);
    await expect(setAttr(loose(vault), '__proto__', { polluted: true })).rejects.toThrow(AuthError);
    expect(await (vault as unknown as Record<string, PromiseLike<unknown>>).polluted).toBeUndefined();
  });

  test('read by value, an object shows only its exposed fields', async () => {
    const value = (await getValue(vault)) as unknown as Record<string, unknown>;
    // `add` is a function field: it comes as a proxy, as it did before
    expect(Object.keys(value).sort()).toEqual(['add', 'data', 'label']);
    expect(value.label).toBe('vault');
    expect(value.data).toEqual({ inner: { _hidden: 1, shown: 2 } });
  });
});

describe('declared exposure: only the listed members', () => {
  test("a class's `static expose` is all a client reaches, on every instance however it is reached", async () => {
    const account = await client.get<Account>('account');
    expect(await account.deposit(10)).toBe(10);
    expect(await account.balance).toBe(10);
    await expect(read(account.pin)).rejects.toThrow(/"pin" of Account is not exposed: its server lists/);
    await expect(account.withdraw(5)).rejects.toThrow(NotExposedError);
    await expect(setAttr(account, 'pin', 0)).rejects.toThrow(NotExposedError);
    await setAttr(account, 'balance', 3);
    expect(await account.balance).toBe(3);
    expect(await getValue(account)).toEqual({ owner: 'ada', balance: 3 });
    // a returned Account is held to the same list
    const sibling = await account.sibling();
    await expect(sibling.withdraw(1)).rejects.toThrow(NotExposedError);
    expect(await sibling.deposit(2)).toBe(2);
  });

  test("publish(name, obj, { expose }) lists one object's members, `_private` ones included when named", async () => {
    const listed = await client.get<Vault>('listed');
    expect(await listed._secret).toBe('the combination');
    expect(await listed.label).toBe('vault');
    await expect(listed.open('x')).rejects.toThrow(NotExposedError);
    await expect(listed.add(1, 2)).rejects.toThrow(NotExposedError);
  });

  test("an actor's `static expose` lists the messages it answers: others are refused before they are queued", async () => {
    class Teller extends Actor {
      static expose = ['balance'] as const;
      static tell = ['deposit'] as const;
      total = 0;
      deposit(n: number): void {
        this.total += n;
      }
      balance(): number {
        return this.total;
      }
      reset(): void {
        this.total = 0;
      }
    }
    const host = await createHost();
    try {
      const teller = await host.spawn('teller', Teller);
      teller.deposit(5);
      await expect(teller.reset()).rejects.toThrow('"reset" of Teller is not exposed');
      await expect(read(teller.total)).rejects.toThrow(NotExposedError);
      expect(await teller.balance()).toBe(5);
    } finally {
      await host.shutdown();
    }
  });

  test('publish options are checked before anything is published', async () => {
    const server = await RPCServer.start({ address: 'tcp://127.0.0.1:*' });
    try {
      expect(() => server.publish('x', {}, { expose: 'a' as never })).toThrow("publish(\"x\"): option `expose` must be a list of member names, got \"a\"");
      expect(() => server.publish('x', {}, { hide: ['a'] } as never)).toThrow('publish("x"): unknown option `hide` (known: expose, oneway)');
      class Bad {
        static expose = 'all';
      }
      expect(() => server.publish('x', new Bad())).toThrow('class Bad: `static expose` must be an array of member names, got "all"');
      expect(server.unpublish('x')).toBe(false);
    } finally {
      await server.close();
    }
  });
});
