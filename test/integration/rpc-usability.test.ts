import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { inspect } from 'node:util';
import { RemoteError, RPCClient, RPCServer } from '../../src/index.js';

class Shop {
  items = { apples: 3 };
  sell(): never {
    throw new RangeError('sold out');
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
    expect(shown).toMatch(/^\[Remote Shop#.+ @ .+\]$/);
    expect(shown).toContain(server.address);
    expect(inspect(shop.items)).toMatch(/^\[Remote Shop#.+\.items @ /);
    expect(`${shop.items}`).toBe(inspect(shop.items));
    expect(String(shop)).toBe(shown);
  });

  test("a RemoteError keeps the remote's bare message beside its decorated one", async () => {
    const shop = await client.get<Shop>('shop');
    const err = await shop.sell().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).remoteMessage).toBe('sold out');
    expect((err as RemoteError).message).toMatch(/^RangeError: sold out \(in shop-server, pid \d+ on /);
  });
});
