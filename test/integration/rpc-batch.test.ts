/**
 * Explicit batches: calls recorded on proxies of other processes run in order, one server part
 * per message, and stop at the first error with the results up to it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  Actor, batch, createHost, InvalidArgumentError, NotFoundError, RemoteError, RPCClient, RPCServer, spawn, TimeoutError,
  type ActorHost, type ProcessHandle, type Remote,
} from 'zeroproc';
import type * as Fixture from '../fixtures/rpc/batch-target.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { FakeServer } from '../helpers/fake-server.js';

const fixture = fileURLToPath(new URL('../fixtures/rpc/batch-target.ts', import.meta.url));

let procs: ProcessHandle[];
let mods: Remote<typeof Fixture>[];

beforeAll(async () => {
  // importing a TypeScript fixture loads tsx in the child: slow on a loaded machine, so more than the default 10 s
  procs = await Promise.all([spawn({ name: 'batch-a', callTimeout: 30_000 }), spawn({ name: 'batch-b', callTimeout: 30_000 })]);
  mods = await Promise.all(procs.map((p) => p.import<typeof Fixture>(fixture)));
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
});

/** A new ledger in each process, so that each test sees only what it did. */
async function freshLedgers(): Promise<[Remote<Fixture.Ledger>, Remote<Fixture.Ledger>]> {
  return (await Promise.all(mods.map((m) => new m.Ledger()))) as [Remote<Fixture.Ledger>, Remote<Fixture.Ledger>];
}

describe('one server', () => {
  test('runs the calls in order and returns every result', async () => {
    const [a] = await freshLedgers();
    const b = batch();
    expect(b(a).add('x')).toBe(0);
    expect(b(a).addLater('slow', 30)).toBe(1);
    expect(b(a).add('z')).toBe(2);
    expect(b.size).toBe(3);
    expect(await b.run()).toEqual({ results: [1, 2, 3], error: undefined });
    // one after the other: the slow call did not let the last one overtake it
    expect(await a.entries).toEqual(['x', 'slow', 'z']);
  });

  test('stops at the first error: the results before it, its error, and nothing after it ran', async () => {
    const [a] = await freshLedgers();
    const b = batch();
    b(a).add('first');
    b(a).fail('out of pears');
    b(a).add('never');
    const { results, error } = await b.run();
    expect(results).toEqual([1]);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error!.message).toBe('out of pears');
    expect((error as RemoteError).origin.server).toBe('batch-a');
    expect(await a.entries).toEqual(['first']);
  });

  test('a call on an object the server does not know stops the batch with its NotFoundError', async () => {
    const [a] = await freshLedgers();
    const b = batch();
    b(a).add('one');
    (b(a) as unknown as { nothing: { here(): void } }).nothing.here();
    b(a).add('never');
    const { results, error } = await b.run();
    expect(results).toEqual([1]);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error!.message).toBe('cannot read "here" of undefined (path nothing.here) (server batch-a)');
    expect(await a.entries).toEqual(['one']);
  });

  test('arguments may be callbacks, served by this process', async () => {
    const [a] = await freshLedgers();
    const b = batch();
    b(a).callBack(async (x: number) => x * 2, 21);
    b(a).add('after the callback');
    expect(await b.run()).toEqual({ results: [42, 1], error: undefined });
  });

  test('a timeout ends the batch, and the server skips the calls after the one running', async () => {
    const [a] = await freshLedgers();
    const b = batch({ timeout: 200 });
    b(a).add('before');
    b(a).waitForAbort();
    b(a).add('after');
    const { results, error } = await b.run();
    expect(results).toEqual([]);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(await a.aborted).toBe(1);
    expect(await a.entries).toEqual(['before']);
  });
});

describe('several servers', () => {
  test('keep the recorded order across processes, and stop there too', async () => {
    const [a, c] = await freshLedgers();
    const b = batch();
    b(a).addLater('a1', 50);
    b(c).add('c1');
    b(a).add('a2');
    b(c).fail('c is closed');
    b(a).add('a3');
    const { results, error } = await b.run();
    expect(results).toEqual([1, 1, 2]);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RemoteError).origin.server).toBe('batch-b');
    expect(await a.entries).toEqual(['a1', 'a2']);
    expect(await c.entries).toEqual(['c1']);
    const [aTimes, cTimes] = [await a.times, await c.times];
    expect(cTimes[0]).toBeGreaterThanOrEqual(aTimes[0]!);
    expect(aTimes[1]).toBeGreaterThanOrEqual(cTimes[0]!);
  });
});

describe('an actor of this process', () => {
  class Tally extends Actor {
    total = 0;
    add(n: number): number {
      return (this.total += n);
    }
    fail(): never {
      throw new Error('tally failed');
    }
  }
  let host: ActorHost;
  afterEach(async () => host?.shutdown());

  test('runs in order through its mailbox and stops at the first error', async () => {
    host = await createHost();
    const tally = await host.spawn('tally', Tally);
    const b = batch();
    b(tally).add(2);
    b(tally).add(3);
    b(tally).fail();
    b(tally).add(100);
    const { results, error } = await b.run();
    expect(results).toEqual([2, 5]);
    expect(error?.message).toContain('tally failed');
    expect(await tally.add(0)).toBe(5);
  });
});

describe('on the wire', () => {
  test('consecutive calls to one server leave as one batch message, each naming its object', async () => {
    const ref = (obj: string) => ({ $zp: 9, v: ['fake-server', '', obj, '', [], false, 'Thing'] });
    const server = await FakeServer.start((m) => {
      if (m.type === 'published') return { type: 'ok', id: m.id, value: ref(m.name as string) };
      if (m.type === 'batch') return { type: 'ok', id: m.id, value: { results: (m.calls as unknown[]).map((_, i) => i) } };
      return undefined;
    });
    const client = await RPCClient.connect(server.address, { authkey: '' });
    try {
      const [one, two] = [await client.get<{ f(x: number): number }>('one'), await client.get<{ f(x: number): number }>('two')];
      const b = batch();
      b(one).f(1);
      b(two).f(2);
      b(one).f(3);
      expect(await b.run()).toEqual({ results: [0, 1, 2], error: undefined });
      const sent = server.requests.filter((r) => r.type !== 'hello' && r.type !== 'published' && r.type !== 'hb');
      expect(sent).toEqual([{
        type: 'batch',
        id: expect.any(Number),
        calls: [
          { type: 'call', server: 'fake-server', obj: 'one', path: ['f'], args: [1], ret: 'auto' },
          { type: 'call', server: 'fake-server', obj: 'two', path: ['f'], args: [2], ret: 'auto' },
          { type: 'call', server: 'fake-server', obj: 'one', path: ['f'], args: [3], ret: 'auto' },
        ],
      }]);
    } finally {
      client.close();
      server.close();
    }
  });
});

describe('checks', () => {
  test('options, proxies and a second run are refused', async () => {
    expect(() => batch({ timeout: 0 })).toThrow('batch: option `timeout` must be 1 to 2147483647 ms, got 0');
    expect(() => batch({ mode: 'off' } as never)).toThrow('batch: unknown option `mode` (known: timeout)');
    const b = batch();
    expect(() => b({} as never)).toThrow('batch: expected a zeroproc proxy, got object');
    const [a] = await freshLedgers();
    expect(() => {
      (b(a) as unknown as { label: string }).label = 'x';
    }).toThrow('batch: only method calls are recorded; setting label is not (call a method that sets it)');
    expect(await b.run()).toEqual({ results: [], error: undefined });
    await expect(b.run()).rejects.toThrow(InvalidArgumentError);
    expect(() => b(a).add('late')).toThrow('batch: this batch already ran; start another with batch()');
  });

  test('a malformed batch request is answered with ProtocolError and runs nothing', async () => {
    const key = 'malformed-batch-test-key';
    const server = await RPCServer.start({ name: 'strict', authkey: key });
    const target = { hits: 0, hit: () => ++target.hits };
    server.publish('t', target);
    const peer = new RawPeer(server.address, 1000, Buffer.from(key));
    try {
      const ref = await peer.published('t');
      // in the wire form: [server, obj, path, args, ret] per call, in [6 (batch), id, calls]
      const call = [ref.server, ref.obj, ['hit'], [], 0];
      for (const [calls, problem] of [
        [[], 'batch: calls must be a non-empty array'],
        [[call, { type: 'get' }], 'batch: calls[1] must be [server, obj, path, args, ret]'],
        [[call, [ref.server, ref.obj, 'hit', [], 0]], 'batch: calls[1]: path must be an array of strings'],
        [[call, [ref.server, ref.obj, ['hit'], [], 7]], 'batch: calls[1]: ret must be 0 (auto), 1 (proxy) or 2 (value)'],
      ] as const) {
        await peer.send([[6, 7, calls]]);
        const [reply] = (await peer.receive()) as Array<{ type: string; sys: string; error: Error }>;
        expect(reply).toMatchObject({ type: 'err', sys: 'ERR_PROTOCOL' });
        expect(reply!.error.message).toBe(problem);
      }
      expect(target.hits).toBe(0);
    } finally {
      peer.close();
      await server.close();
    }
  });
});
