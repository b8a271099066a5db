/**
 * The gauges `zeroproc ps` reads (CPU% over the time since the previous reading, event-loop lag
 * from a monitor started on demand), the restart budget, and the owner check of a process's
 * status service.
 */
import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { resolveRestartOptions, RestartTracker } from '../../src/process/restart-policy.js';
import { GaugeSampler, processProbes, type SamplerProbes } from '../../src/process/status-sampler.js';
import { StatusService } from '../../src/process/status.js';

function fakeProbes(): SamplerProbes & { clock: number; cpu: number; lagStarted: number; lagMax: number | null } {
  const probes = {
    clock: 0,
    cpu: 0,
    lagStarted: 0,
    lagMax: null as number | null,
    now: () => probes.clock,
    cpuMicros: () => probes.cpu,
    rss: () => 1234,
    startLagMonitor: () => {
      probes.lagStarted++;
      return { maxMs: () => probes.lagMax, reset: () => (probes.lagMax = null), stop: () => probes.lagStarted-- };
    },
  };
  return probes;
}

describe('GaugeSampler', () => {
  test('CPU% covers the time since the previous sample (the process life for the first)', () => {
    const p = fakeProbes();
    p.clock = 10_000;
    const sampler = new GaugeSampler(p, 0);
    p.cpu = 2_500_000; // 2.5 s of CPU in 10 s
    expect(sampler.sample()).toEqual({ rssBytes: 1234, cpuPercent: 25, eventLoopLagMs: null });
    p.clock = 12_000;
    p.cpu += 3_000_000; // 3 s in 2 s: two cores busy
    expect(sampler.sample().cpuPercent).toBe(150);
    p.clock = 13_000;
    expect(sampler.sample().cpuPercent).toBe(0);
  });

  test('the lag monitor starts only when asked, once, and each reading starts a new interval', () => {
    const p = fakeProbes();
    const sampler = new GaugeSampler(p, 0);
    sampler.sample();
    expect(p.lagStarted).toBe(0);
    expect(sampler.startLagMonitor()).toBe(true);
    expect(sampler.startLagMonitor()).toBe(false);
    expect(p.lagStarted).toBe(1);
    expect(sampler.hasLagReading()).toBe(false);
    p.lagMax = 12.34;
    expect(sampler.hasLagReading()).toBe(true);
    expect(sampler.sample().eventLoopLagMs).toBe(12.3);
    expect(sampler.sample().eventLoopLagMs).toBeNull();
    sampler.stopLagMonitor();
    expect(p.lagStarted).toBe(0);
  });

  test('a blocked event loop shows as lag, also when the block follows a reading at once', async () => {
    const sampler = new GaugeSampler(processProbes);
    sampler.startLagMonitor();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      sampler.sample();
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // the loop is blocked for 300 ms, right after a reading
      }
      const blocked = sampler.sample();
      expect(blocked.eventLoopLagMs).toBeGreaterThanOrEqual(250);
      expect(blocked.rssBytes).toBeGreaterThan(1024 * 1024);
      // the spin used CPU (how much of it a loaded machine grants is not for this test to say)
      expect(blocked.cpuPercent).toBeGreaterThan(0);
    } finally {
      sampler.stopLagMonitor();
    }
  });
});

describe('RestartTracker.budgetLeft', () => {
  test('counts down with quick crashes and is whole again once a run was stable', () => {
    const tracker = new RestartTracker(resolveRestartOptions({ policy: 'on-failure', maxRestarts: 3, minUptime: 1000 }));
    expect(tracker.budgetLeft(0)).toBe(3);
    tracker.onExit({ code: 1, signal: null }, 10);
    tracker.onExit({ code: 1, signal: null }, 10);
    expect(tracker.budgetLeft(500)).toBe(1);
    // the current run has lasted minUptime: a crash now starts a new series
    expect(tracker.budgetLeft(1000)).toBe(3);
    expect(new RestartTracker(resolveRestartOptions('never')).budgetLeft(0)).toBe(0);
  });
});

describe('StatusService', () => {
  test('stop and restart demand the owner token the process gave its parent', async () => {
    const service = new StatusService(() => ({ name: 'child', address: null }), 'the-owner-token');
    await expect(service.control('a-sibling-guess', 'stop', 'x')).rejects.toThrow(new InvalidArgumentError('control: only the process that spawned this one may stop or restart its children'));
    await expect(service.control('the-owner-token', 'stop', 'x')).resolves.toBeNull();
    await expect(service.control('the-owner-token', 'kill' as 'stop', 'x')).rejects.toThrow("control: action must be 'stop' or 'restart', got \"kill\"");
    await expect(service.control('the-owner-token', 'stop', 'child')).rejects.toThrow('child is not supervised by a zeroproc parent of this tree');
  });

  test('its state is private: a remote caller walking properties finds only methods', () => {
    const service = new StatusService(() => ({ name: 'child', address: null }), 'secret');
    expect(Object.keys(service)).toEqual([]);
    expect(JSON.stringify(service)).not.toContain('secret');
  });
});
