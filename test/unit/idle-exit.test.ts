import { afterEach, describe, expect, test } from '@jest/globals';
import { checkIdle, closeWhenIdle, holdOpen, IDLE_ORDER, setActiveResourcesProbe } from '../../src/idle-exit.js';

let resources: string[] = [];
const cleanups: Array<() => void> = [];
setActiveResourcesProbe(() => resources.length);

afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  resources = [];
});

/** Lets the closing, which runs turn by turn, finish. */
const settled = () => new Promise((r) => setImmediate(r));

function entry(busy = () => false, order: number = IDLE_ORDER.links) {
  const e = { closed: 0, busy, order, close: () => void e.closed++ };
  cleanups.push(closeWhenIdle(e));
  return e;
}

describe('closing what zeroproc holds once the process is idle', () => {
  test('closes every entry once, when nothing else is active and nothing is busy', async () => {
    const a = entry();
    const b = entry();
    resources = ['Timeout'];
    checkIdle();
    expect([a.closed, b.closed]).toEqual([0, 0]);
    resources = [];
    checkIdle();
    checkIdle();
    await settled();
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  test('children close first, the log server last, each turn once the one before has closed', async () => {
    const log: string[] = [];
    let stopChild!: () => void;
    const child = { order: IDLE_ORDER.children, busy: () => false, close: () => new Promise<void>((r) => (stopChild = () => (log.push('child stopped'), r()))) };
    cleanups.push(closeWhenIdle({ order: IDLE_ORDER.logs, busy: () => false, close: () => void log.push('logs closed') }));
    cleanups.push(closeWhenIdle({ order: IDLE_ORDER.links, busy: () => false, close: () => void log.push('client closed') }));
    cleanups.push(closeWhenIdle(child));
    checkIdle();
    await settled();
    expect(log).toEqual([]);
    stopChild();
    await settled();
    expect(log).toEqual(['child stopped', 'client closed', 'logs closed']);
  });

  test('a busy entry or a hold keeps everything open', async () => {
    let pending = 1;
    const a = entry(() => pending > 0);
    const b = entry();
    checkIdle();
    expect([a.closed, b.closed]).toEqual([0, 0]);
    pending = 0;
    const release = holdOpen();
    checkIdle();
    expect(b.closed).toBe(0);
    release();
    release();
    checkIdle();
    await settled();
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  test('an unregistered entry is not closed, and a throwing close does not stop the others', async () => {
    const gone = { closed: 0, busy: () => false, order: 0, close: () => void gone.closed++ };
    closeWhenIdle(gone)();
    const bad = { busy: () => false, order: IDLE_ORDER.links, close: () => { throw new Error('boom'); } };
    cleanups.push(closeWhenIdle(bad));
    const ok = entry();
    checkIdle();
    await settled();
    expect(gone.closed).toBe(0);
    expect(ok.closed).toBe(1);
  });
});
