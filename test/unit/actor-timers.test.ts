/** interval/later with fake timers: tells through the mailbox, stopped with the actor. */
import { afterAll, afterEach, beforeAll, beforeEach, expect, jest, test } from '@jest/globals';
import { Actor } from '../../src/actor/actor.js';
import { createHost, type ActorHost } from '../../src/actor/host.js';
import { interval, later, type TimerHandle } from '../../src/actor/timers.js';
import type { ActorRef } from '../../src/actor/types.js';
import { InvalidArgumentError } from '../../src/errors.js';

class Clock extends Actor {
  static tell = ['tick'] as const;
  ticks = 0;
  own: TimerHandle | undefined;
  tick(): void {
    this.ticks++;
  }
  /** Holds the actor's turn for `ms` (fake) ms. */
  async hold(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
  startOwn(ms: number, target?: ActorRef<Clock, 'tick'>): void {
    this.own = interval(ms, target ?? (this.self as unknown as ActorRef<Clock, 'tick'>), 'tick');
  }
}

let host: ActorHost;
beforeAll(async () => {
  host = await createHost();
});
afterAll(() => host.shutdown());
beforeEach(() => {
  // the mailbox drains on microtasks and the sockets need real immediates: only timers are fake
  jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate', 'performance'] });
});
afterEach(async () => {
  jest.useRealTimers();
  for (const id of host.actors()) await host.stopActor(id);
});

test('interval delivers one tell per period; stop() ends it', async () => {
  const clock = await host.spawn('clock', Clock);
  const t = interval(10, clock, 'tick');
  await jest.advanceTimersByTimeAsync(100);
  expect(await clock.ticks).toBe(10);
  t.stop();
  await jest.advanceTimersByTimeAsync(100);
  expect(await clock.ticks).toBe(10);
  expect(t.stopped).toBe(true);
});

test('ticks wait in the mailbox while the actor is busy: the handler is never called directly', async () => {
  const clock = await host.spawn('busy', Clock);
  const held = clock.hold(100);
  await jest.advanceTimersByTimeAsync(0);
  const t = interval(10, clock, 'tick');
  await jest.advanceTimersByTimeAsync(50);
  expect(host.statsOf('busy')).toMatchObject({ queued: 5, running: 1 });
  t.stop();
  await jest.advanceTimersByTimeAsync(50);
  await held;
  expect(await clock.ticks).toBe(5);
});

test('later sends once, and not at all when stopped first', async () => {
  const clock = await host.spawn('later', Clock);
  const once = later(30, clock, 'tick');
  const never = later(30, clock, 'tick');
  never.stop();
  await jest.advanceTimersByTimeAsync(29);
  expect(await clock.ticks).toBe(0);
  await jest.advanceTimersByTimeAsync(1);
  expect(await clock.ticks).toBe(1);
  expect(once.stopped).toBe(true);
  await jest.advanceTimersByTimeAsync(100);
  expect(await clock.ticks).toBe(1);
});

test("an actor's timers end when it stops: those aimed at it and those it started", async () => {
  const a = await host.spawn('a', Clock);
  const b = await host.spawn('b', Clock);
  const atA = interval(10, a, 'tick');
  await a.startOwn(10, b);
  const before = jest.getTimerCount();
  await host.stopActor('a');
  expect(atA.stopped).toBe(true);
  expect(jest.getTimerCount()).toBe(before - 2);
  await jest.advanceTimersByTimeAsync(50);
  expect(await b.ticks).toBe(0);
});

test('bad arguments are named', async () => {
  const clock = await host.spawn('args', Clock);
  expect(() => interval(0, clock, 'tick')).toThrow(new InvalidArgumentError('interval: `ms` must be 1 to 2147483647 ms, got 0'));
  expect(() => later(Infinity, clock, 'tick')).toThrow('later: `ms` must be 1 to 2147483647 ms, got Infinity');
  expect(() => interval(10, {} as never, 'tick' as never)).toThrow('interval: expected an actor reference, got object');
});
