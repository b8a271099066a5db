import { expect, test } from '@jest/globals';
import { QueueFullError } from '../../src/errors.js';
import { Outbox, type Destination } from '../../src/transport/outbox.js';
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
function heldOutbox(maxQueuedBytes: number) {
  const sent: Buffer[][] = [];
  const waiting: Array<() => void> = [];
  const outbox = new Outbox(
    (frames) => {
      sent.push(frames);
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    () => undefined,
    { maxQueued: 10_000, maxBatch: 100, maxQueuedBytes },
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
  // frames: header, body, then one attachment per message; the first message left at once, the
  // rest were batched behind it
  expect(sent.map((frames) => frames.length - 2)).toEqual([1, 1, 1, 2, 1]);
  outbox.close();
});

test('a destination whose ZeroMQ queue is full is parked: the others go on, it follows once it reads, in order', async () => {
  let aReads = false;
  const sent: string[] = [];
  const failed: Array<[string, number]> = [];
  const outbox = new Outbox(
    async ([route, ...frames]) => {
      if (route!.toString() === 'a' && !aReads) throw Object.assign(new Error('Socket is busy'), { code: 'EAGAIN' });
      // frames: header, body, then the attachments
      sent.push(`${route!.toString()}:${frames.length - 2}`);
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
