/**
 * This process's own gauges for `zeroproc ps`: resident memory, CPU% since the previous sample,
 * and event-loop lag. Nothing runs until the first sample is asked for: the event-loop monitor
 * wakes the process every {@link LAG_RESOLUTION_MS} ms (measured on this machine: about 0.2 % of
 * one core at 20 ms, 0.3 % at 10 ms), a cost only processes somebody watches should pay.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How often the event-loop monitor samples once started, in ms. */
export const LAG_RESOLUTION_MS = 20;

/** One reading of a process's gauges. */
export interface Gauges {
  /** Resident set size, bytes. */
  rssBytes: number;
  /** CPU time used since the previous sample (or since the process started), as % of one core. */
  cpuPercent: number;
  /**
   * Worst delay of the event loop since the previous sample, ms, beyond the monitor's own period;
   * null while the monitor is not started (see {@link GaugeSampler.startLagMonitor}).
   */
  eventLoopLagMs: number | null;
}

/** What the sampler reads; replaced in unit tests. */
export interface SamplerProbes {
  /** Wall clock, ms (monotonic). */
  now(): number;
  /** CPU time used by the process so far, microseconds (user + system). */
  cpuMicros(): number;
  rss(): number;
  /** Starts the lag monitor; called once, on the first sample. */
  startLagMonitor(): { maxMs(): number | null; reset(): void };
}

/** The real probes: `process.cpuUsage`, `process.memoryUsage.rss`, `monitorEventLoopDelay`. */
export const processProbes: SamplerProbes = {
  now: () => performance.now(),
  cpuMicros: () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
  rss: () => process.memoryUsage.rss(),
  startLagMonitor: () => {
    const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    histogram.enable();
    return {
      // the histogram counts the monitor's own period in every delay: only the excess is lag
      maxMs: () => (histogram.count === 0 ? null : Math.max(0, histogram.max / 1e6 - LAG_RESOLUTION_MS)),
      reset: () => histogram.reset(),
    };
  },
};

/** Gauges of one process, each CPU% and lag reading covering the time since the previous one. */
export class GaugeSampler {
  private lastAt: number;
  private lastCpu: number;
  private lag: ReturnType<SamplerProbes['startLagMonitor']> | undefined;

  /** `startedAt`: when the process started on the probes' clock (the first CPU% covers its life). */
  constructor(
    private readonly probes: SamplerProbes = processProbes,
    startedAt = probes.now() - process.uptime() * 1000,
  ) {
    this.lastAt = startedAt;
    this.lastCpu = 0;
  }

  /**
   * Starts the event-loop monitor unless it runs; true when it was started now (its first lag
   * reading needs a few of its periods to have passed).
   */
  startLagMonitor(): boolean {
    if (this.lag) return false;
    this.lag = this.probes.startLagMonitor();
    return true;
  }

  /** Reads the gauges and starts the next interval. */
  sample(): Gauges {
    const now = this.probes.now();
    const cpu = this.probes.cpuMicros();
    const elapsedMs = now - this.lastAt;
    const cpuPercent = elapsedMs > 0 ? ((cpu - this.lastCpu) / 1000 / elapsedMs) * 100 : 0;
    this.lastAt = now;
    this.lastCpu = cpu;
    const eventLoopLagMs = this.lag ? this.lag.maxMs() : null;
    this.lag?.reset();
    return { rssBytes: this.probes.rss(), cpuPercent: round1(cpuPercent), eventLoopLagMs: eventLoopLagMs === null ? null : round1(eventLoopLagMs) };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
