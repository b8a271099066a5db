import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { inspect } from 'node:util';
import { DisconnectedError, RemoteError, RPCClient, RPCServer, TimeoutError, withOptions, type Remote } from '../../src/index.js';

class Shop {
  items = { apples: 3 };
  sell(): never {
    throw new RangeError('sold out');
  }
  close(): never {
    throw new Error('closed for the day');
  }
  never(): Promise<never> {
    return new Promise(() => undefined);
  }
}

const OWN_FRAME = /\/(src|dist|children)\/.*\.(ts|js):\d+/;

// named functions standing for a user's code that makes the calls
async function checkout(shop: Remote<Shop>): Promise<unknown> {
  try {
    return await shop.sell();
  } catch (err) {
    return err;
  }
}
async function waitForever(shop: Remote<Shop>): Promise<unknown> {
  try {
    return await withOptions(shop, { timeout: 50 }).never();
  } catch (err) {
    return err;
  }
}
async function firstWaiter(shop: Remote<Shop>): Promise<unknown> {
  try {
    return await shop.never();
  } catch (err) {
    return err;
  }
}
async function secondWaiter(shop: Remote<Shop>): Promise<unknown> {
  try {
    return await shop.never();
  } catch (err) {
    return err;
  }
}

let server: RPCServer;
let client: RPCClient;

beforeEach(async () => {
  server = await RPCServer.start({ name: 'shop-server' });
  server.publish('shop', new Shop());
  client = await RPCClient.connect(server.address);
});

afterEach(async () => {
  client.close();
  await server.close();
});

describe('what a user sees', () => {
  test('console.log and template strings show a proxy as what it points at, without a round trip', async () => {
    const shop = await client.get<Shop>('shop');
    const shown = inspect(shop);
    expect(shown).toMatch(/^\[Remote Shop [\w-]{22} @ .+\]$/);
    expect(shown).toContain(server.address);
    expect(inspect(shop.items)).toMatch(/^\[Remote Shop [\w-]{22}\.items @ /);
    expect(`${shop.items}`).toBe(inspect(shop.items));
    expect(String(shop)).toBe(shown);
  });

  test("a RemoteError keeps the remote's bare message beside its decorated one", async () => {
    const shop = await client.get<Shop>('shop');
    const err = await shop.close().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).remoteMessage).toBe('closed for the day');
    expect((err as RemoteError).message).toMatch(/^Error: closed for the day \(in shop-server, pid \d+ on /);
  });

  test('an error of a kept class keeps its own message; its stack names where it came from', async () => {
    const shop = await client.get<Shop>('shop');
    const err = (await shop.sell().catch((e: unknown) => e)) as RangeError & RemoteError;
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('sold out');
    expect(err.remoteMessage).toBe('sold out');
    expect(err.stack).toMatch(/\n {4}--- remote stack \(shop-server, pid \d+ on .+\) ---\n/);
  });

  test("a failed call's stack shows the caller's line, and neither side's zeroproc frames", async () => {
    const shop = await client.get<Shop>('shop');
    const err = (await checkout(shop)) as RemoteError;
    expect(err).toBeInstanceOf(RangeError);
    expect(err).toBeInstanceOf(RemoteError);
    const [local, remote] = err.stack!.split('--- remote stack');
    expect(local).toMatch(/^RangeError: sold out\n/);
    expect(local).toMatch(/at (async )?checkout \(.*rpc-usability\.test\.ts:\d+:\d+\)/);
    expect(remote).toMatch(/at Shop\.sell \(.*rpc-usability\.test\.ts:\d+:\d+\)/);
    expect(err.stack!.split('\n').filter((l) => OWN_FRAME.test(l) && !l.includes('test.ts'))).toEqual([]);
    const timedOut = (await waitForever(shop)) as TimeoutError;
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect(timedOut.stack).toMatch(/at (async )?waitForever \(.*rpc-usability\.test\.ts/);
  });

  test('calls failed together by one event each get their own caller in the stack', async () => {
    const shop = await client.get<Shop>('shop');
    const first = firstWaiter(shop);
    const second = secondWaiter(shop);
    await client.ping();
    await server.close();
    const [a, b] = (await Promise.all([first, second])) as [DisconnectedError, DisconnectedError];
    expect(a).toBeInstanceOf(DisconnectedError);
    expect(b).toBeInstanceOf(DisconnectedError);
    expect(a.code).toBe('ERR_DISCONNECTED');
    expect(a.stack).toMatch(/at (async )?firstWaiter /);
    expect(a.stack).not.toMatch(/secondWaiter/);
    expect(b.stack).toMatch(/at (async )?secondWaiter /);
    server = await RPCServer.start({ name: 'shop-server' });
  });
});

describe('a client shared by several connect() calls', () => {
  test('refuses other settings instead of serving them silently with the first ones', async () => {
    const again = await RPCClient.connect(server.address);
    expect(again).toBe(client);
    again.close();
    await expect(RPCClient.connect(server.address, { timeout: 500 })).rejects.toThrow(
      `RPCClient.connect: option \`timeout\` is 500, but the client of ${server.address} that this call shares (one per address, codec and key) has its default: close that one first, or give per-call timeouts with withOptions()`,
    );
    // the client it would have shared is untouched
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });
});
