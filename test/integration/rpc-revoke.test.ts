/**
 * Revoking and unpublishing: a server takes back objects it handed out, in this process and in
 * a third one that received the reference, and removes published names
 * (test/fixtures/rpc/exposure-peer.ts serves them).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { NotFoundError, RemoteError, RPCClient, RPCServer, setDefaultAuthkey, type Remote } from '../../src/index.js';
import type { Cart } from '../fixtures/rpc/exposure-peer.js';
import { startPeer, type PeerProcess } from '../helpers/peer-process.js';

/**
 * The awaited value of a proxied property: what `await` does. (jest's `expect(fn).rejects` would
 * call a function, and a proxy is one.)
 */
function read(property: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(property);
}

const KEY = 'revoke-test-key';

interface Control {
  objectCount(): number;
  cart(customer: string): Cart;
  revokeCart(customer: string): boolean;
  revokePublished(name: string): boolean;
  unpublish(name: string): boolean;
  revoked: string[];
}

interface Holder {
  hold(proxy: unknown): number;
  addThroughHeld(i: number, item: unknown): Promise<number>;
}

let shop: PeerProcess;
let third: PeerProcess;
let client: RPCClient;
let thirdClient: RPCClient;
let control: Remote<Control>;

beforeAll(async () => {
  setDefaultAuthkey(KEY);
  [shop, third] = await Promise.all([startPeer({ ZP_TEST_KEY: KEY }, 'exposure-peer.ts'), startPeer({ ZP_TEST_KEY: KEY, ZP_TEST_NAME: 'third' })]);
  client = await RPCClient.connect(shop.address);
  thirdClient = await RPCClient.connect(third.address);
  control = await client.get<Control>('control');
});

afterAll(async () => {
  client.close();
  thirdClient.close();
  await Promise.all([shop.kill(), third.kill()]);
  setDefaultAuthkey(undefined);
});

test('a revoked object fails every proxy to it with NotFoundError, here and in a third process', async () => {
  const cart = await control.cart('alice');
  expect(await cart.add('bread')).toBe(1);
  const holder = await thirdClient.get<Holder>('peer');
  await holder.hold(cart);
  expect(await holder.addThroughHeld(0, 'milk')).toBe(2);
  const before = await control.objectCount();

  expect(await control.revokeCart('alice')).toBe(true);

  await expect(cart.add('cheese')).rejects.toThrow(NotFoundError);
  await expect(cart.add('cheese')).rejects.toThrow(/proxy to Cart: object \S+ was revoked by its server/);
  await expect(read(cart.items)).rejects.toThrow(/was revoked/);
  // the third process's proxy fails the same way; its NotFoundError reaches us inside a RemoteError
  const far = await holder.addThroughHeld(0, 'tea').catch((err: unknown) => err);
  expect(far).toBeInstanceOf(RemoteError);
  expect((far as RemoteError).remoteCode).toBe('ERR_NOT_FOUND');
  expect((far as RemoteError).message).toMatch(/was revoked by its server/);
  // the server no longer keeps the cart alive, and said so to its listeners
  expect(await control.objectCount()).toBe(before - 1);
  expect(await control.revoked).toContain('cart of alice');
  // a second revoke finds nothing to take back
  expect(await control.revokeCart('alice')).toBe(false);
});

test('a revoked published object stays published: get() hands out a new, working reference', async () => {
  const old = await client.get<Cart>('temp');
  expect(await old.add('x')).toBe(1);
  expect(await control.revokePublished('temp')).toBe(true);
  await expect(old.add('y')).rejects.toThrow(/was revoked/);
  const fresh = await client.get<Cart>('temp');
  expect(await fresh.add('z')).toBe(2);
});

test('unpublish removes the name; proxies obtained by it keep working', async () => {
  const logger = await client.get<{ count(): number }>('logger');
  expect(await control.unpublish('logger')).toBe(true);
  await expect(client.get('logger')).rejects.toThrow(NotFoundError);
  expect(typeof (await logger.count())).toBe('number');
  expect(await control.unpublish('logger')).toBe(false);
});

test('revoke and onRevoke in one process: arguments are checked, listeners are told until they stop listening', async () => {
  const server = await RPCServer.start({ address: 'tcp://127.0.0.1:*', name: 'local-revoke' });
  try {
    expect(() => server.revoke(null as never)).toThrow('revoke: expected an object or function, got null');
    const seen: object[] = [];
    const stop = server.onRevoke((obj) => seen.push(obj));
    const box = { n: 1 };
    server.publish('box', box);
    expect(server.revoke(box)).toBe(false); // published, never handed out
    const local = await RPCClient.connect(server.address);
    try {
      const proxy = await local.get<typeof box>('box');
      expect(await proxy.n).toBe(1);
      expect(server.objectCount).toBe(1);
      expect(server.revoke(box)).toBe(true);
      expect(seen).toEqual([box]);
      expect(server.objectCount).toBe(0);
      await expect(read(proxy.n)).rejects.toThrow(/was revoked/);
      stop();
      const again = await local.get<typeof box>('box');
      expect(server.revoke(box)).toBe(true);
      expect(seen).toEqual([box]);
      await expect(read(again.n)).rejects.toThrow(/was revoked/);
    } finally {
      local.close();
    }
  } finally {
    await server.close();
  }
});
