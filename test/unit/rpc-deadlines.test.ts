import { afterEach, expect, jest, test } from '@jest/globals';
import { Deadlines, type Timed } from '../../src/rpc/deadlines.js';

interface Call extends Timed {
  id: number;
}

let deadlines: Deadlines<Call> | undefined;
/** Calls by id, so a test can add and delete them by number. */
const calls = new Map<number, Call>();
afterEach(() => calls.clear());

function add(id: number, timeout: number): Call {
  const call: Call = { id, timeout, deadline: 0, timing: false };
  calls.set(id, call);
  deadlines!.add(call);
  return call;
}

function remove(id: number): void {
  deadlines!.delete(calls.get(id)!);
}
afterEach(() => deadlines?.clear());

/** A Deadlines whose expiries are recorded with the time they came, ms after `t0`. */
function recorder(): { expired: Array<[number, number]>; t0: number; until(n: number): Promise<void> } {
  const expired: Array<[number, number]> = [];
  const t0 = performance.now();
  let wake: (() => void) | undefined;
  deadlines = new Deadlines<Call>(({ id }) => {
    expired.push([id, performance.now() - t0]);
    wake?.();
  });
  return {
    expired,
    t0,
    until: (n) => new Promise<void>((resolve) => {
      const check = (): void => (expired.length >= n ? resolve() : void (wake = check));
      check();
    }),
  };
}

test('calls expire no earlier than their timeout, in deadline order, deleted ones never', async () => {
  const r = recorder();
  add(1, 60);
  add(2, 20);
  add(3, 60);
  add(4, 20);
  remove(3);
  await r.until(3);
  expect(r.expired.map(([id]) => id)).toEqual([2, 4, 1]);
  for (const [id, at] of r.expired) expect(at).toBeGreaterThanOrEqual((id === 1 ? 60 : 20) - 1);
  // nothing else is armed: a call added now is the only one to expire
  add(5, 10);
  await r.until(4);
  expect(r.expired.map(([id]) => id)).toEqual([2, 4, 1, 5]);
});

test('a shorter timeout added later re-arms the timer for the earlier deadline', async () => {
  const r = recorder();
  add(1, 5_000);
  add(2, 10);
  await r.until(1);
  expect(r.expired.map(([id]) => id)).toEqual([2]);
});

test('a wake-up after every deadline passed expires them in deadline order, whatever their groups', async () => {
  const r = recorder();
  add(1, 40);
  add(2, 10);
  const until = performance.now() + 60;
  while (performance.now() < until); // the event loop is busy past both deadlines
  await r.until(2);
  expect(r.expired.map(([id]) => id)).toEqual([2, 1]);
});

test('a timeout beyond what a Node timer can hold neither fires early nor spins', async () => {
  const r = recorder();
  const timers = jest.spyOn(globalThis, 'setTimeout');
  try {
    add(1, 30 * 24 * 3600 * 1000);
    await new Promise((resolve) => setImmediate(resolve));
    const armed = timers.mock.calls.length;
    add(2, 30);
    await r.until(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(r.expired.map(([id]) => id)).toEqual([2]);
    // one timer for the far deadline, one for call 2, one re-arm after it, and this test's own;
    // on a loaded machine a timer that fires a hair before its deadline re-arms once or twice
    // more. A spin would arm one per millisecond: dozens in these 60 ms
    expect(timers.mock.calls.length - armed).toBeLessThanOrEqual(8);
  } finally {
    timers.mockRestore();
  }
});

test('clear forgets every call', async () => {
  const r = recorder();
  add(1, 10);
  deadlines!.clear();
  add(2, 30);
  await r.until(1);
  expect(r.expired.map(([id]) => id)).toEqual([2]);
});

test('answered calls behind one that waits long are not kept', async () => {
  const r = recorder();
  add(1, 40);
  for (let id = 2; id < 20_002; id++) {
    add(id, 40);
    remove(id);
  }
  const queue = (deadlines as unknown as { groups: Map<number, { items: unknown[] }> }).groups.get(40)!;
  // the first call still waits; the 20,000 answered after it leave at most a bounded remainder
  expect(queue.items.length).toBeLessThan(2_100);
  add(20_002, 40);
  await r.until(2);
  expect(r.expired.map(([id]) => id)).toEqual([1, 20_002]);
});

test('a call deleted twice, or after it expired, changes nothing', async () => {
  const r = recorder();
  add(1, 10);
  add(2, 10);
  remove(1);
  remove(1);
  await r.until(1);
  remove(2);
  add(3, 10);
  await r.until(2);
  expect(r.expired.map(([id]) => id)).toEqual([2, 3]);
});
