/**
 * The producer side of a stream without sockets: what a consumer (honest or not) can make a
 * StreamSource do through its two callable members.
 */
import { describe, expect, test } from '@jest/globals';
import { ObjectTable } from '../../src/rpc/object-table.js';
import { goesAsStream, MAX_BUFFERED_BYTES, stream, StreamSource, streamSourceFor } from '../../src/rpc/stream-source.js';

function counter(n = Infinity): { items: Generator<number>; steps(): number; finished(): boolean } {
  let steps = 0;
  let finished = false;
  function* items(): Generator<number> {
    try {
      for (let i = 0; i < n; i++) {
        steps++;
        yield i;
      }
    } finally {
      finished = true;
    }
  }
  return { items: items(), steps: () => steps, finished: () => finished };
}

describe('StreamSource', () => {
  test('a pull gets the items ready in one batch, never more than the credit', async () => {
    const p = counter();
    const source = new StreamSource(p.items, 16);
    expect(await source.pull(10)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], false]);
    expect(p.steps()).toBe(10);
    expect(await source.pull(2)).toEqual([[10, 11], false]);
    expect(p.steps()).toBe(12);
  });

  test('credit beyond the window is not granted, whatever the consumer asks', async () => {
    const p = counter();
    const source = new StreamSource(p.items, 4);
    const [items] = await source.pull(1_000_000);
    expect(items).toHaveLength(4);
    expect(p.steps()).toBe(4);
  });

  test('the end comes with the last items; the error after them', async () => {
    const ended = new StreamSource(counter(3).items, 8);
    expect(await ended.pull(8)).toEqual([[0, 1, 2], true]);
    function* failing(): Generator<number> {
      yield 1;
      throw new RangeError('no more');
    }
    const failed = new StreamSource(failing(), 8);
    expect(await failed.pull(8)).toEqual([[1], false]);
    await expect(failed.pull(0)).rejects.toThrow('no more');
  });

  test('bad credit and too many waiting pulls are refused', async () => {
    const source = new StreamSource(counter().items, 8);
    expect(() => source.pull(-1)).toThrow('pull: credit must be a whole number >= 0, got -1');
    expect(() => source.pull('5')).toThrow(TypeError);
    expect(() => source.pull(1.5)).toThrow(TypeError);
    async function* never(): AsyncGenerator<number> {
      await new Promise(() => {});
    }
    const stuck = new StreamSource(never(), 8);
    const waiting = [stuck.pull(1), stuck.pull(0), stuck.pull(0), stuck.pull(0)];
    expect(() => stuck.pull(0)).toThrow('pull: at most 4 pulls may wait on a stream');
    // a source dropped with pulls waiting answers them with the end
    void stuck.cancel();
    await expect(Promise.all(waiting)).resolves.toEqual(waiting.map(() => [[], true]));
  });

  test('large items stop the producer at the byte bound, whatever the credit', async () => {
    const chunk = Buffer.alloc(1024 * 1024);
    let made = 0;
    function* chunks(): Generator<Buffer> {
      for (;;) {
        made++;
        yield chunk;
      }
    }
    const source = new StreamSource(chunks(), 1000);
    const [items] = await source.pull(1000);
    expect(items.length).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(MAX_BUFFERED_BYTES / chunk.length + 1);
  });

  test('cancel runs the producer finally; losing its last reference in the table does too', async () => {
    const a = counter();
    const source = new StreamSource(a.items, 8);
    await source.pull(2);
    await source.cancel();
    expect(a.finished()).toBe(true);
    expect(await source.pull(1)).toEqual([[], true]);

    const b = counter();
    const table = new ObjectTable(1_000);
    const dropped = streamSourceFor(b.items, 8);
    const id = table.grant(dropped, 'peer');
    await dropped.pull(1);
    table.dropHolder('peer');
    expect(table.size).toBe(0);
    expect(b.finished()).toBe(true);
    expect(() => table.get(id)).toThrow();
  });
});

test('what goes as a stream', () => {
  expect(goesAsStream(counter().items, false)).toBe(true);
  expect(goesAsStream(new Map([[1, 2]]).keys(), false)).toBe(true);
  expect(goesAsStream((async function* () {})(), false)).toBe(true);
  expect(goesAsStream({ [Symbol.asyncIterator]: () => undefined }, true)).toBe(true);
  // data, and objects that are only iterable, stay what they were
  expect(goesAsStream([1, 2], true)).toBe(false);
  expect(goesAsStream(new Set([1]), true)).toBe(false);
  expect(goesAsStream(new (class Bag { *[Symbol.iterator]() {} })(), false)).toBe(false);
  expect(goesAsStream(stream([1, 2]), true)).toBe(true);
});
