import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { byRef, DisconnectedError, getLocalServer, release, RPCClient, setDefaultAuthkey, type Remote } from '../../src/index.js';
import type { Counter } from '../fixtures/rpc/counter.js';
import { startPeer, type PeerProcess } from '../helpers/peer-process.js';

interface Peer {
  pid: number;
  make(start: number): Counter;
  hold(proxy: unknown): number;
  addThroughHeld(i: number, n: number): Promise<number>;
  dropHeld(): void;
  objectCount(): number;
  bounce(n: number, other: unknown): Promise<number>;
  hang(): Promise<never>;
  isSelf(x: unknown): boolean;
  releaseAtOnce(proxy: unknown): void;
  callAndForget(fn: () => Promise<number>): Promise<number>;
  collect(): Promise<void>;
  exit(code: number): void;
}

const KEY = 'three-process-test-key';
let b: PeerProcess;
let c: PeerProcess;
const clients: RPCClient[] = [];

function client(p: PeerProcess): RPCClient {
  return clients.find((c) => c.address === p.address)!;
}

async function connect(p: PeerProcess): Promise<Remote<Peer>> {
  const client = await RPCClient.connect(p.address);
  clients.push(client);
  return client.get<Peer>('peer');
}

/** Polls `read` (each poll is a round trip) until it returns `expected`. */
async function until(read: () => Promise<number>, expected: number, tries = 200): Promise<void> {
  let last = NaN;
  for (let i = 0; i < tries && last !== expected; i++) last = await read();
  expect(last).toBe(expected);
}

beforeAll(async () => {
  setDefaultAuthkey(KEY);
  [b, c] = await Promise.all([
    startPeer({ ZP_TEST_KEY: KEY, ZP_TEST_NAME: 'B', ZP_TEST_PEER_TIMEOUT: '400' }),
    startPeer({ ZP_TEST_KEY: KEY, ZP_TEST_NAME: 'C' }),
  ]);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all([b.kill(), c.kill()]);
  // the callback server this process started for the ping-pong: B held references until it died
  await getLocalServer()?.close();
  setDefaultAuthkey(undefined);
});

test('each peer is its own process', async () => {
  const pb = await connect(b);
  const pc = await connect(c);
  expect(await pb.pid).toBe(b.pid);
  expect(await pc.pid).toBe(c.pid);
  expect(b.pid).not.toBe(process.pid);
});

test('a proxy forwarded to a third process keeps working after the sender releases its own', async () => {
  const pb = await connect(b);
  const pc = await connect(c);
  const base = await pb.objectCount();
  const counter = (await pb.make(10)) as unknown as Remote<Counter>;
  expect(await counter.add(1)).toBe(11);
  expect(await pc.hold(counter)).toBeGreaterThan(0);
  release(counter);
  // B still holds the object for C, and C can use it
  expect(await pc.addThroughHeld(0, 5)).toBe(16);
  expect(await pb.objectCount()).toBe(base + 1);
  // once C lets go (and its GC runs), B frees it
  await pc.dropHeld();
  await until(async () => {
    await pc.dropHeld();
    return pb.objectCount();
  }, base);
});

test('re-entrant ping-pong A -> B -> A -> B ... to depth 50', async () => {
  const pb = await connect(b);
  const local = byRef({
    bounce: async (n: number, other: Remote<Peer>): Promise<number> => (n === 0 ? 0 : 1 + (await other.bounce(n - 1, local))),
  });
  expect(await pb.bounce(50, local)).toBe(50);
  const callbackServer = getLocalServer();
  expect(callbackServer).toBeDefined();
  expect(callbackServer!.objectCount).toBeGreaterThan(0);
});

test('references held by a peer that dies are dropped', async () => {
  const victim = await startPeer({ ZP_TEST_KEY: KEY, ZP_TEST_NAME: 'victim' });
  try {
    const pb = await connect(b);
    const pv = await connect(victim);
    const base = await pb.objectCount();
    const counter = (await pb.make(1)) as unknown as Remote<Counter>;
    await pv.hold(counter);
    // the victim has claimed its reference once it used it
    expect(await pv.addThroughHeld(0, 1)).toBe(2);
    release(counter);
    expect(await pb.objectCount()).toBe(base + 1);
    await victim.kill();
    // B's peer timeout is 400 ms in this test; its sweep drops what the dead process held
    await until(() => pb.objectCount(), base, 10_000);
  } finally {
    await victim.kill();
  }
});

test('a call pending when its server process dies rejects at once with DisconnectedError', async () => {
  const victim = await startPeer({ ZP_TEST_KEY: KEY, ZP_TEST_NAME: 'victim2' });
  try {
    const pv = await connect(victim);
    const outcome = pv.hang().catch((e: unknown) => e);
    expect(await pv.pid).toBe(victim.pid);
    await victim.kill();
    // the default timeout is 10 s: a TimeoutError here would mean the death went unnoticed
    expect(await outcome).toBeInstanceOf(DisconnectedError);
  } finally {
    await victim.kill();
  }
});

test('a proxy that comes back to its owner is the original object again', async () => {
  const pb = await connect(b);
  expect(await pb.isSelf(pb)).toBe(true);
  const pc = await connect(c);
  expect(await pb.isSelf(pc)).toBe(false);
});

test('the clock offset to another process on this machine is small', async () => {
  const client = await RPCClient.connect(b.address);
  clients.push(client);
  const { offset, rtt } = await client.measureClockDiff(5);
  expect(rtt).toBeGreaterThan(0);
  // same machine, same clock: the estimate is within its own round trip
  expect(Math.abs(offset)).toBeLessThanOrEqual(rtt + 1);
});

test('the callback server started for a callback closes itself once nothing references it', async () => {
  await getLocalServer()?.close();
  const pb = await connect(b);
  expect(await pb.callAndForget(async () => 41)).toBe(41);
  const server = getLocalServer();
  expect(server).toBeDefined();
  // once B's GC collects its proxy to the callback, the release reaches us and the server closes
  let closed = false;
  void server!.closed.then(() => (closed = true));
  for (let i = 0; i < 20 && !closed; i++) {
    await pb.collect();
    await client(b).ping();
  }
  expect(closed).toBe(true);
  expect(getLocalServer()).not.toBe(server);
});

test('a forwarded proxy its receiver releases at once is freed at its owner', async () => {
  const pb = await connect(b);
  const pc = await connect(c);
  const base = await pb.objectCount();
  const counter = await pb.make(1);
  // C claims its reference and releases it in the same turn: the claim must leave first
  await pc.releaseAtOnce(counter);
  release(counter);
  await until(() => pb.objectCount(), base);
});
