/**
 * Streams across processes (docs/PROTOCOL.md, "Streams"): a producer in a spawned child, the
 * consumer here, and the other way round; credit, cancellation, errors and deaths.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  DEFAULT_STREAM_WINDOW, DisconnectedError, getLocalServer, InvalidArgumentError, isProxy, ProcessExitedError, RemoteError, RemoteStream, RPCClient, RPCServer, spawn, stream,
  type ProcessHandle, type Remote,
} from '../../src/index.js';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eventually } from '../helpers/eventually.js';

type Streams = typeof import('../fixtures/rpc/streams.mjs');
const FIXTURE = new URL('../fixtures/rpc/streams.mjs', import.meta.url).href;

let proc: ProcessHandle;
let m: Remote<Streams>;

beforeAll(async () => {
  proc = await spawn({ name: 'producer' });
  m = await proc.import<Streams>(FIXTURE);
});

afterAll(async () => {
  await proc.kill();
  await getLocalServer()?.close();
});

afterEach(async () => {
  await m.reset();
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** Ordinary round trips to the producer's process: each gives its event loop turns to run ahead, if it could. */
async function roundTrips(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await m.pid();
}

/** Local producer that records how far it ran and whether its finally block ran. */
function localCounter(n = Infinity): { items: AsyncGenerator<number>; steps(): number; finished(): boolean } {
  let steps = 0;
  let finished = false;
  async function* items(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        steps++;
        yield i;
      }
    } finally {
      // an asynchronous cleanup: whoever waits for the cancel waits for it to end
      await new Promise((resolve) => setImmediate(resolve));
      finished = true;
    }
  }
  return { items: items(), steps: () => steps, finished: () => finished };
}

describe('a returned iterable arrives as a stream', () => {
  test('an async generator, a sync generator, map.keys() and an async iterator object are iterated with for await', async () => {
    const ticks = await m.counting(1000);
    expect(ticks).toBeInstanceOf(RemoteStream);
    expect(await collect(ticks)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await collect(await m.squares(5))).toEqual([0, 1, 4, 9, 16]);
    expect(await collect(await m.mapKeys())).toEqual(['a', 'b', 'c']);
    expect(await collect(await m.iteratorObject(3))).toEqual([0, 1, 2]);
    // data stays data
    expect(await m.plainArray()).toEqual([1, 2, 3]);
    // the producer ran to its end, and the source left the child's table
    expect((await m.read()).finished).toBe(1);
  });

  test('the producer never runs more than the window ahead of a stalled consumer', async () => {
    const ticks = await m.windowed(1e9, 8);
    expect(ticks.window).toBe(8);
    expect(await ticks.next()).toEqual({ value: 0, done: false });
    await roundTrips(20);
    expect((await m.read()).steps).toBe(8);
    // consuming makes room again: the producer goes on, still within the window
    for (let i = 1; i <= 6; i++) expect((await ticks.next()).value).toBe(i);
    await roundTrips(20);
    const { steps } = await m.read();
    expect(steps).toBeGreaterThan(8);
    expect(steps).toBeLessThanOrEqual(7 + 8);
    await ticks.return();
  });

  test('the default window is a few hundred items', async () => {
    const ticks = await m.counting();
    expect(ticks.window).toBe(DEFAULT_STREAM_WINDOW);
    expect(DEFAULT_STREAM_WINDOW).toBe(256);
    await ticks.next();
    await roundTrips(20);
    expect((await m.read()).steps).toBe(DEFAULT_STREAM_WINDOW);
    await ticks.return();
  });

  test('break cancels the producer: its finally has run when the loop is left', async () => {
    for await (const x of await m.counting()) if (x === 5) break;
    const { steps, finished } = await m.read();
    expect(finished).toBe(1);
    expect(steps).toBeLessThanOrEqual(DEFAULT_STREAM_WINDOW + 1);
  });

  test("the producer's throw reaches the loop as RemoteError, after the items before it", async () => {
    const seen: number[] = [];
    const error = await (async () => {
      for await (const x of await m.failsAfter(3)) seen.push(x);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 1, 2]);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).remoteName).toBe('RangeError');
    expect((error as RemoteError).remoteMessage).toBe('producer failed after 3 items');
    expect((error as RemoteError).remoteStack).toContain('failsAfter');
  });

  test('references inside items are proxies, as in any value', async () => {
    const items = await collect(await m.withRefs(3));
    expect(items.map((x) => x.i)).toEqual([0, 1, 2]);
    expect(isProxy(items[2]!.twice)).toBe(true);
    expect(await items[2]!.twice(5)).toBe(20);
  });

  test('streams interleave with each other and with ordinary calls on the same link', async () => {
    const [a, b, calls] = await Promise.all([
      m.counting(500).then(collect),
      m.squares(300).then(collect),
      Promise.all(Array.from({ length: 200 }, () => m.pid())),
    ]);
    expect(a).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(b).toEqual(Array.from({ length: 300 }, (_, i) => i * i));
    expect(new Set(calls)).toEqual(new Set([proc.pid]));
  });
});

describe('a local iterable passed as an argument is pulled by the callee', () => {
  test('the callee iterates it with for await', async () => {
    const local = localCounter(100);
    expect(await m.sum(local.items)).toBe(4950);
    expect(local.finished()).toBe(true);
    expect((await m.read()).consumed).toBe(100);
  });

  test("the callee's break stops the local producer, whose finally runs", async () => {
    const local = localCounter();
    expect(await m.take(local.items, 3)).toEqual([0, 1, 2]);
    expect(local.finished()).toBe(true);
    expect(local.steps()).toBeLessThanOrEqual(DEFAULT_STREAM_WINDOW + 1);
  });

  test("the window bounds the local producer too, and the local producer's throw reaches the callee", async () => {
    const local = localCounter();
    expect(await m.pullOne(stream(local.items, { window: 4 }))).toBe(0);
    await eventually(() => local.steps() === 4);
    await roundTrips(20);
    expect(local.steps()).toBe(4);

    async function* broken(): AsyncGenerator<number> {
      yield 1;
      throw new TypeError('local producer broke');
    }
    const error = await m.sum(broken()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    // the callee got the producer's error as a RemoteError, and it failed with it
    expect((error as RemoteError).remoteMessage).toContain('local producer broke');
  });
});

describe('ends and deaths', () => {
  test("the producer's process killed fails the waiting next() at once with ProcessExitedError", async () => {
    const doomed = await spawn({ name: 'doomed' });
    try {
      const d = await doomed.import<Streams>(FIXTURE);
      const items = await d.stalls();
      expect(await items.next()).toEqual({ value: 'first', done: false });
      const waiting = items.next().catch((e: unknown) => e);
      const t0 = performance.now();
      await doomed.kill();
      const error = await waiting;
      expect(error).toBeInstanceOf(ProcessExitedError);
      expect((error as ProcessExitedError).signal).toBe('SIGKILL');
      // not a timeout: the death itself ended the wait
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      await doomed.kill();
    }
  });

  test("a consumer's process killed frees the local producer: its finally runs, nothing is left in the table", async () => {
    const consumer = await spawn({ name: 'consumer' });
    try {
      const c = await consumer.import<Streams>(FIXTURE);
      const local = localCounter();
      expect(await c.pullOne(local.items)).toBe(0);
      const callbacks = getLocalServer()!;
      const held = callbacks.objectCount;
      await consumer.kill();
      await eventually(() => local.finished(), 5_000, "the producer's finally");
      expect(callbacks.objectCount).toBe(held - 1);
    } finally {
      await consumer.kill();
    }
  });

  test('a consumer that closes its client frees the producer', async () => {
    let finished = false;
    const server = await RPCServer.start({ authkey: '', streamWindow: 4 });
    server.publish('feed', {
      async *ticks() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          finished = true;
        }
      },
    });
    const client = await RPCClient.connect(server.address, { authkey: '' });
    try {
      const feed = await client.get<{ ticks(): AsyncGenerator<number> }>('feed');
      const ticks = await feed.ticks();
      expect(ticks.window).toBe(4);
      expect(await ticks.next()).toEqual({ value: 0, done: false });
      client.close();
      await eventually(() => finished, 5_000, "the producer's finally");
      // only the published object's grant could remain, and the client took it away too
      expect(server.objectCount).toBe(0);
    } finally {
      client.close();
      await server.close();
    }
  });

  test('a stream read to its end, or broken off, leaves nothing in the producer\'s table', async () => {
    const server = await RPCServer.start({ authkey: '', streamWindow: 4 });
    server.publish('feed', { *ticks(n: number) { for (let i = 0; i < n; i++) yield i; } });
    const client = await RPCClient.connect(server.address, { authkey: '' });
    try {
      const feed = await client.get<{ ticks(n: number): Generator<number> }>('feed');
      expect(await collect(await feed.ticks(10))).toHaveLength(10);
      for await (const x of await feed.ticks(1e9)) if (x === 3) break;
      // the releases leave in order before this round trip's request
      await client.ping();
      // only the published object's grant remains
      expect(server.objectCount).toBe(1);
    } finally {
      client.close();
      await server.close();
    }
  });

  test('a consumer killed while its pull waits frees the producer at the peer timeout, whoever spawned it', async () => {
    let finished = false;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const server = await RPCServer.start({ authkey: '', peerTimeout: 300 });
    server.publish('feed', {
      async *ticks() {
        try {
          yield 'first';
          // the consumer's next pull waits here, with credit left
          await gate;
          yield 'second';
        } finally {
          finished = true;
        }
      },
    });
    // a plain node process: no spawner tells the server when it dies
    const reader = execFile(process.execPath, [fileURLToPath(new URL('../fixtures/rpc/stream-reader.mjs', import.meta.url)), server.address], { env: { ...process.env, NODE_OPTIONS: '' } });
    const exited = once(reader, 'exit');
    try {
      const [line] = (await once(createInterface({ input: reader.stdout! }), 'line')) as [string];
      expect(JSON.parse(line)).toEqual({ first: 'first' });
      expect(server.objectCount).toBe(2);
      reader.kill('SIGKILL');
      await exited;
      // silent past the peer timeout although its pull still waits: its references are dropped
      await eventually(() => server.objectCount === 0, 5_000, 'the dead reader to be dropped');
      // the producer, stopped in its own code, stops at its next step: its finally runs
      open();
      await eventually(() => finished, 5_000, "the producer's finally");
    } finally {
      reader.kill('SIGKILL');
      open();
      await server.close();
    }
  });

  test('a stream used after its client closed fails with DisconnectedError', async () => {
    const server = await RPCServer.start({ authkey: '' });
    server.publish('feed', { async *ticks() { for (let i = 0; ; i++) yield i; } });
    const client = await RPCClient.connect(server.address, { authkey: '' });
    try {
      const feed = await client.get<{ ticks(): AsyncGenerator<number> }>('feed');
      const ticks = await feed.ticks();
      client.close();
      await expect(ticks.next()).rejects.toBeInstanceOf(DisconnectedError);
    } finally {
      await server.close();
    }
  });
});

test('stream windows are checked', async () => {
  await expect(RPCServer.start({ streamWindow: 0 })).rejects.toThrow('RPCServer.start: option `streamWindow` must be 1 to 65536 items, got 0');
  expect(() => stream([1], { window: 1.5 })).toThrow(InvalidArgumentError);
  expect(() => stream([1], { window: 1.5 })).toThrow('stream: option `window` must be 1 to 65536 items, got 1.5');
  expect(() => stream(5 as never)).toThrow('stream: expected an iterable or async iterable object');
});
