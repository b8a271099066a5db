import { afterEach, describe, expect, test } from '@jest/globals';
import { checkIdle, closeWhenIdle, holdOpen, setActiveResourcesProbe } from '../../src/idle-exit.js';

let resources: string[] = [];
const cleanups: Array<() => void> = [];
setActiveResourcesProbe(() => resources);

afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  resources = [];
});

function entry(busy = () => false) {
  const e = { closed: 0, busy, close: () => void e.closed++ };
  cleanups.push(closeWhenIdle(e));
  return e;
}

describe('closing what zeroproc holds once the process is idle', () => {
  test('closes every entry once, when nothing else is active and nothing is busy', () => {
    const a = entry();
    const b = entry();
    resources = ['Timeout'];
    checkIdle();
    expect([a.closed, b.closed]).toEqual([0, 0]);
    resources = [];
    checkIdle();
    checkIdle();
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  test('a busy entry or a hold keeps everything open', () => {
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
    expect([a.closed, b.closed]).toEqual([1, 1]);
  });

  test('an unregistered entry is not closed, and a throwing close does not stop the others', () => {
    const gone = { closed: 0, busy: () => false, close: () => void gone.closed++ };
    closeWhenIdle(gone)();
    const bad = { busy: () => false, close: () => { throw new Error('boom'); } };
    cleanups.push(closeWhenIdle(bad));
    const ok = entry();
    checkIdle();
    expect(gone.closed).toBe(0);
    expect(ok.closed).toBe(1);
  });
});
