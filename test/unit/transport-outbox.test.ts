import { expect, test } from '@jest/globals';
import { QueueFullError } from '../../src/errors.js';
import { Outbox, type Destination } from '../../src/transport/outbox.js';
import type { Codec } from '../../src/wire/codec.js';
import { batchMessages, unpackFrames } from '../../src/wire/frames.js';
import { jsonCodec } from '../../src/wire/json-codec.js';
import { msgpackCodec } from '../../src/wire/msgpack-codec.js';
import { MAX_BATCH_BYTES, SMALL_MESSAGE_ALLOWANCE } from '../../src/transport/limits.js';

const KiB = 1024;

function dest(key: string): Destination {
  return { key, route: [], codec: msgpackCodec };
}

function message(bytes: number): { data: Buffer; attachments: Buffer[] } {
  return { data: Buffer.alloc(8), attachments: [Buffer.alloc(bytes - 8)] };
}

/** An outbox whose socket takes each batch only when the test says so. */
function heldOutbox(maxQueuedBytes: number, maxBatch = 100) {
  const sent: Buffer[][] = [];
  const waiting: Array<() => void> = [];
  const outbox = new Outbox(
    (frames) => {
      sent.push(frames);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    () => undefined,
    { maxQueued: 10_000, maxBatch, maxQueuedBytes },
  );
  return { outbox, sent, release: () => waiting.shift()?.() };
}

test('bytes waiting for one destination are bounded; a message always goes when nothing waits', async () => {
  const { outbox, sent, release } = heldOutbox(100 * KiB);
  const a = dest('a');
  // one message larger than the bound is accepted on an empty queue
  outbox.push(a, message(300 * KiB));
  await Promise.resolve();
  expect(sent).toHaveLength(1);
  // it counts until the socket took it: the next one is refused
  expect(() => outbox.push(a, message(60 * KiB))).toThrow(QueueFullError);
  expect(() => outbox.push(a, message(60 * KiB))).toThrow(/307\d{3} bytes wait to be sent, and 61440 more would pass its limit of 102400 bytes \(maxQueuedBytes\)/);
  // another destination has its own bound
  outbox.push(dest('b'), message(60 * KiB));
  // the socket takes the first batch, the drain moves on to b's, and the socket takes that too
  release();
  await new Promise(setImmediate);
  expect(sent).toHaveLength(2);
  release();
  await outbox.whenIdle();
  outbox.push(a, message(60 * KiB));
  expect(() => outbox.push(a, message(60 * KiB))).toThrow(QueueFullError);
  outbox.close();
});

test('small messages (error replies) may use a bounded allowance past the byte bound', () => {
  const { outbox } = heldOutbox(100 * KiB);
  const a = dest('a');
  outbox.push(a, message(100 * KiB));
  let small = 0;
  try {
    for (;;) {
      outbox.push(a, message(1 * KiB));
      small++;
    }
  } catch (err) {
    expect(err).toBeInstanceOf(QueueFullError);
  }
  expect(small).toBe(SMALL_MESSAGE_ALLOWANCE / KiB);
  outbox.close();
});

test('a batch takes no more messages once it holds MAX_BATCH_BYTES: a large message goes alone', async () => {
  const sent: Buffer[][] = [];
  const outbox = new Outbox(async (frames) => void sent.push(frames), () => undefined);
  const a = dest('a');
  const sizes = [1 * KiB, 1 * KiB, 2 * MAX_BATCH_BYTES, 1 * KiB, MAX_BATCH_BYTES / 2, MAX_BATCH_BYTES / 2 + 1];
  for (const size of sizes) outbox.push(a, message(size));
  await outbox.whenIdle();
  // frames: header and body, then one attachment per message; the first message left at once,
  // the rest were batched behind it
  expect(sent.map((frames) => frames.length - 1)).toEqual([1, 1, 1, 2, 1]);
  outbox.close();
});

test('a destination whose ZeroMQ queue is full is parked: the others go on, it follows once it reads, in order', async () => {
  let aReads = false;
  const sent: string[] = [];
  const failed: Array<[string, number]> = [];
  const outbox = new Outbox(
    async ([route, ...frames]) => {
      if (route!.toString() === 'a' && !aReads) throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
      // frames: header and body, then the attachments
      sent.push(`${route!.toString()}:${frames.length - 1}`);
    },
    (_err, d, n) => void failed.push([d.key, n]),
  );
  outbox.waitWhenBlocked(60_000);
  const a = { ...dest('a'), route: [Buffer.from('a')] };
  const b = { ...dest('b'), route: [Buffer.from('b')] };
  outbox.push(a, message(1000));
  outbox.push(b, message(1000));
  await new Promise(setImmediate);
  expect(sent).toEqual(['b:1']);
  // still counted against a's byte bound while it waits, and later messages queue behind it
  outbox.push(a, message(2000));
  outbox.push(b, message(1000));
  await new Promise(setImmediate);
  expect(sent).toEqual(['b:1', 'b:1']);
  aReads = true;
  await outbox.whenIdle();
  expect(sent).toEqual(['b:1', 'b:1', 'a:2']);
  expect(failed).toEqual([]);
  outbox.close();
});

test('what waits for a destination that takes nothing for the timeout is dropped and reported, freeing its bytes', async () => {
  const failed: Array<[string, number]> = [];
  const outbox = new Outbox(
    async () => {
      throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
    },
    (_err, d, n) => void failed.push([d.key, n]),
    { maxQueued: 1000, maxBatch: 100, maxQueuedBytes: 10 * KiB },
  );
  outbox.waitWhenBlocked(50);
  const a = dest('a');
  outbox.push(a, message(8 * KiB));
  outbox.push(a, message(2 * KiB));
  expect(() => outbox.push(a, message(8 * KiB))).toThrow(QueueFullError);
  await outbox.whenIdle();
  expect(failed).toEqual([['a', 2]]);
  outbox.push(a, message(8 * KiB));
  outbox.close();
});

/** Message `i` of a test, its index readable from its body's first byte on the socket side. */
function numbered(i: number, bytes = 1000): { data: Buffer; attachments: Buffer[] } {
  return { data: Buffer.of(i), attachments: [Buffer.alloc(bytes)] };
}

/** The message numbers in a batch's frames (header and body, attachments): the body is an array of the datas. */
function numbersIn(frames: Buffer[]): number[] {
  // after the 4-byte header and the array's 1-byte length
  return [...frames[0]!.subarray(5)];
}

test('a batch in the middle of an entry that finds the queue full is parked and follows once, in order, its bytes still counted', async () => {
  let reads = false;
  const sent: number[][] = [];
  const outbox = new Outbox(
    async (frames) => {
      const numbers = numbersIn(frames);
      if (!reads && numbers.includes(3)) throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
      sent.push(numbers);
    },
    () => undefined,
    { maxQueued: 1000, maxBatch: 2, maxQueuedBytes: 8 * KiB },
  );
  outbox.waitWhenBlocked(60_000);
  const a = dest('a');
  outbox.push(a, numbered(0));
  // queued behind the first send: one entry of five, sent two at a time; [3, 4] finds the queue full
  for (let i = 1; i <= 5; i++) outbox.push(a, numbered(i));
  await new Promise(setImmediate);
  expect(sent).toEqual([[0], [1, 2]]);
  // 3, 4 and 5 wait (3 x 1001 bytes): 6 KiB more would pass the bound of 8 KiB
  expect(() => outbox.push(a, numbered(6, 6 * KiB))).toThrow(QueueFullError);
  outbox.push(a, numbered(6));
  reads = true;
  await outbox.whenIdle();
  expect(sent).toEqual([[0], [1, 2], [3, 4], [5, 6]]);
  // everything was taken, so nothing is counted any more: 5 KiB in flight and 2 KiB queued fit
  outbox.push(a, numbered(7, 5 * KiB));
  outbox.push(a, numbered(8, 2 * KiB));
  await outbox.whenIdle();
  outbox.close();
});

test('a batch that fails for another reason is reported and no longer counted; a send that throws at once is one such failure', async () => {
  let fail: 'reject' | 'throw' | undefined = 'reject';
  const failed: number[] = [];
  const sent: number[][] = [];
  const outbox = new Outbox(
    (frames) => {
      if (fail === 'throw') throw new Error('socket closed');
      if (fail === 'reject') return Promise.reject(new Error('host unreachable'));
      sent.push(numbersIn(frames));
      return Promise.resolve();
    },
    (_err, _d, n) => void failed.push(n),
    { maxQueued: 3, maxBatch: 100, maxQueuedBytes: 2 * KiB },
  );
  const a = dest('a');
  outbox.push(a, numbered(0));
  outbox.push(a, numbered(1));
  outbox.push(a, numbered(2));
  expect(() => outbox.push(a, numbered(3))).toThrow(/3 messages waiting/);
  await outbox.whenIdle();
  expect(failed).toEqual([1, 2]);
  fail = 'throw';
  // the count and the bytes were given back: three more fit
  outbox.push(a, numbered(3));
  outbox.push(a, numbered(4));
  outbox.push(a, numbered(5));
  await outbox.whenIdle();
  expect(failed).toEqual([1, 2, 1, 2]);
  fail = undefined;
  outbox.push(a, numbered(6));
  outbox.push(a, numbered(7));
  await outbox.whenIdle();
  expect(sent).toEqual([[6], [7]]);
  outbox.close();
});

test('a destination that took a batch starts its blocked time anew when it blocks again', async () => {
  let blocked = true;
  const failed: number[] = [];
  const outbox = new Outbox(
    async () => {
      if (blocked) throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
    },
    (_err, _d, n) => void failed.push(n),
  );
  outbox.waitWhenBlocked(150);
  const a = dest('a');
  outbox.push(a, numbered(0));
  await new Promise((r) => setTimeout(r, 100));
  blocked = false;
  await outbox.whenIdle();
  blocked = true;
  outbox.push(a, numbered(1));
  // blocked since 100 ms ago on the old clock: it would be dropped at the first retry (20 ms)
  await new Promise((r) => setTimeout(r, 80));
  expect(failed).toEqual([]);
  blocked = false;
  await outbox.whenIdle();
  expect(failed).toEqual([]);
  outbox.close();
});

test('while an entry leaves in several batches, only what the socket has not taken counts', async () => {
  const { outbox, sent, release } = heldOutbox(8 * KiB, 2);
  const a = dest('a');
  outbox.push(a, numbered(0));
  for (let i = 1; i <= 4; i++) outbox.push(a, numbered(i, 1536));
  release();
  await new Promise(setImmediate);
  release();
  await new Promise(setImmediate);
  // [3, 4] is in flight: 2 x 1537 bytes count, and 4.5 KiB more fits under 8 KiB, 5 KiB more then does not
  expect(sent.map(numbersIn)).toEqual([[0], [1, 2], [3, 4]]);
  outbox.push(a, numbered(5, 4 * KiB + 512));
  expect(() => outbox.push(a, numbered(6, 5 * KiB))).toThrow(QueueFullError);
  outbox.close();
});

/** Message `i` encoded with `codec`, for a destination `key` that speaks it. */
function inCodec(key: string, codec: Codec, i: number): [Destination, { data: Buffer; attachments: Buffer[] }] {
  return [{ key, route: [], codec }, { data: codec.encode(i, { hooks: undefined, attachments: [] }), attachments: [] }];
}

/** The values in a batch's frames, decoded as its header says. */
function decoded(frames: Buffer[]): unknown[] {
  return batchMessages(unpackFrames(frames), { hooks: undefined, attachments: [], next: 0, failures: 0 });
}

test('a peer that switches codecs gets each message in a batch of its own codec, in order within each', async () => {
  const { outbox, sent, release } = heldOutbox(100 * KiB);
  // the first leaves at once; the rest wait behind it, alternating codecs for the same peer
  for (let i = 0; i < 7; i++) outbox.push(...inCodec('a', i % 2 === 0 ? msgpackCodec : jsonCodec, i));
  outbox.push(...inCodec('b', jsonCodec, 100));
  for (let i = 0; i < 4; i++) {
    release();
    await new Promise(setImmediate);
  }
  await outbox.whenIdle();
  const batches = sent.map((frames) => ({ codec: unpackFrames(frames).codec.name, values: decoded(frames) }));
  // a's waiting entry is in the codec of its first message (1, JSON); the others wait their turn
  // after b's, as a destination that waited later
  expect(batches).toEqual([
    { codec: 'msgpack', values: [0] },
    { codec: 'json', values: [1, 3, 5] },
    { codec: 'json', values: [100] },
    { codec: 'msgpack', values: [2, 4, 6] },
  ]);
  // every byte waiting was freed: the bound holds again from zero
  outbox.push(dest('a'), message(100 * KiB));
  outbox.close();
});

test('a parked peer that switched codecs keeps its batches in order, and all are dropped and counted at the timeout', async () => {
  let reads = false;
  const sent: Array<{ codec: string; values: unknown[] }> = [];
  const failed: Array<[string, number]> = [];
  const outbox = new Outbox(
    async (frames) => {
      if (!reads) throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
      sent.push({ codec: unpackFrames(frames).codec.name, values: decoded(frames) });
    },
    (_err, d, n) => void failed.push([d.key, n]),
  );
  outbox.waitWhenBlocked(60_000);
  outbox.push(...inCodec('a', msgpackCodec, 0));
  outbox.push(...inCodec('a', jsonCodec, 1));
  outbox.push(...inCodec('a', msgpackCodec, 2));
  await new Promise(setImmediate);
  expect(sent).toEqual([]);
  // pushed while parked: behind 2, the last of its codec, not with 0
  outbox.push(...inCodec('a', msgpackCodec, 3));
  outbox.push(...inCodec('a', jsonCodec, 4));
  reads = true;
  await outbox.whenIdle();
  // the parked message goes back in front of those queued behind it, each codec in its own batches
  expect(sent).toEqual([
    { codec: 'msgpack', values: [0] },
    { codec: 'json', values: [1, 4] },
    { codec: 'msgpack', values: [2, 3] },
  ]);
  expect(failed).toEqual([]);
  outbox.close();

  const dropping = new Outbox(
    async () => {
      throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
    },
    (_err, d, n) => void failed.push([d.key, n]),
  );
  dropping.waitWhenBlocked(30);
  dropping.push(...inCodec('a', msgpackCodec, 0));
  dropping.push(...inCodec('a', jsonCodec, 1));
  dropping.push(...inCodec('a', msgpackCodec, 2));
  await dropping.whenIdle();
  expect(failed).toEqual([['a', 3]]);
  dropping.close();
});
