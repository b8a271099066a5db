import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { Future } from '../../src/rpc/future.js';

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets pending microtasks and Node's unhandled-rejection check run. */
const settleDown = () => new Promise((r) => setImmediate(r));

describe('Future', () => {
  test('then(f) without an error handler holds the failure instead of raising an unhandled rejection', async () => {
    const f = new Future<number>();
    const seen: number[] = [];
    const chained = f.then((v) => seen.push(v));
    f.settle(false, new RangeError('failed remotely'));
    await settleDown();
    await settleDown();
    expect(unhandled).toEqual([]);
    expect(chained).toBeInstanceOf(Future);
    expect(chained.done()).toBe(true);
    expect(chained.exception()).toBeInstanceOf(RangeError);
    await expect(chained.result()).rejects.toThrow('failed remotely');
    expect(seen).toEqual([]);
  });

  test('then, catch and finally chain like promises, through returned thenables, never in the caller stack', async () => {
    const f = new Future<number>();
    const order: string[] = [];
    const out = f
      .then((v) => Promise.resolve(v * 2))
      .then((v) => {
        throw new Error(`bad ${v}`);
      })
      .catch((e: unknown) => (e as Error).message)
      .finally(() => order.push('finally'));
    f.settle(true, 21);
    order.push('settled');
    expect(await out).toBe('bad 42');
    expect(order).toEqual(['settled', 'finally']);
    const done = new Future<string>();
    done.settle(true, 'x');
    let ran = false;
    const again = done.then(() => (ran = true));
    expect(ran).toBe(false);
    await again;
    expect(ran).toBe(true);
  });

  test('wait(ms) says whether the call finished in time and never rejects', async () => {
    const slow = new Future<number>();
    expect(await slow.wait(20)).toBe(false);
    const failing = new Future<number>();
    const waited = failing.wait(10_000);
    failing.settle(false, new Error('nope'));
    expect(await waited).toBe(true);
    expect(await failing.wait()).toBe(true);
    await settleDown();
    expect(unhandled).toEqual([]);
    expect(failing.exception()).toBeInstanceOf(Error);
  });
});
