import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { backoffDelay, policyRestarts, resolveRestartOptions, RestartTracker } from '../../src/process/restart-policy.js';

const crash = { code: 1, signal: null };
const clean = { code: 0, signal: null };
const killed = { code: null, signal: 'SIGKILL' as const };

describe('restart policy', () => {
  test('defaults', () => {
    expect(resolveRestartOptions(undefined)).toEqual({
      policy: 'never',
      maxRestarts: 10,
      minUptime: 1000,
      backoff: { initial: 100, max: 30_000, factor: 2 },
    });
    expect(resolveRestartOptions('always').policy).toBe('always');
  });

  test('which exits each policy restarts after', () => {
    expect(policyRestarts('never', crash)).toBe(false);
    expect(policyRestarts('on-failure', crash)).toBe(true);
    expect(policyRestarts('on-failure', killed)).toBe(true);
    expect(policyRestarts('on-failure', clean)).toBe(false);
    expect(policyRestarts('always', clean)).toBe(true);
  });

  test('back-off grows by the factor up to the cap', () => {
    const backoff = { initial: 100, max: 1000, factor: 3 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, backoff))).toEqual([100, 300, 900, 1000, 1000]);
  });

  test('quick crashes back off, then give up after maxRestarts', () => {
    const t = new RestartTracker(resolveRestartOptions({ policy: 'on-failure', maxRestarts: 3, minUptime: 1000, backoff: { initial: 50, factor: 2, max: 150 } }));
    const decisions = [1, 2, 3, 4].map(() => t.onExit(crash, 10));
    expect(decisions).toEqual([
      { action: 'restart', attempt: 1, delay: 50 },
      { action: 'restart', attempt: 2, delay: 100 },
      { action: 'restart', attempt: 3, delay: 150 },
      { action: 'giveup', restarts: 3, reason: expect.stringContaining('maxRestarts 3') },
    ]);
  });

  test('a stable run resets the crash series and the back-off', () => {
    const t = new RestartTracker(resolveRestartOptions({ policy: 'always', maxRestarts: 2, minUptime: 500 }));
    expect(t.onExit(crash, 10)).toEqual({ action: 'restart', attempt: 1, delay: 100 });
    expect(t.onExit(crash, 10)).toEqual({ action: 'restart', attempt: 2, delay: 200 });
    expect(t.onExit(clean, 500)).toEqual({ action: 'restart', attempt: 3, delay: 100 });
    expect(t.restarts).toBe(3);
  });

  test('no restart for a clean exit under on-failure, or ever under never', () => {
    expect(new RestartTracker(resolveRestartOptions('on-failure')).onExit(clean, 10)).toEqual({ action: 'none' });
    expect(new RestartTracker(resolveRestartOptions('never')).onExit(crash, 10)).toEqual({ action: 'none' });
  });

  test('maxRestarts 0 gives up at the first quick crash', () => {
    const t = new RestartTracker(resolveRestartOptions({ policy: 'on-failure', maxRestarts: 0 }));
    expect(t.onExit(crash, 0).action).toBe('giveup');
  });

  test.each([
    [{ policy: 'sometimes' }],
    [{ maxRestarts: -1 }],
    [{ maxRestarts: 1.5 }],
    [{ minUptime: Number.NaN }],
    [{ backoff: { factor: 0.5 } }],
    [{ backoff: { initial: 100, max: 10 } }],
    // a Node timer given more than 2^31 - 1 ms fires after 1 ms: no back-off at all
    [{ backoff: { max: 2 ** 31 } }],
    [{ backoff: { initial: Infinity, max: Infinity } }],
  ])('rejects %j', (opts) => {
    expect(() => resolveRestartOptions(opts as never)).toThrow(InvalidArgumentError);
  });
});
