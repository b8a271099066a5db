/**
 * This process's own gauges for `zeroproc ps`: resident memory, CPU% since the previous sample,
 * and event-loop lag. The lag monitor runs only once somebody asked for a reading: it wakes the
 * process every {@link LAG_RESOLUTION_MS} ms (measured here with perf_hooks' monitor: about
 * 0.2 % of one core at 20 ms, 0.3 % at 10 ms), a cost only processes somebody watches should pay.
 */

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

/** Measures how late the event loop runs a periodic timer. */
export interface LagMonitor {
  /** The worst delay beyond the period since the last reset, ms; null while none is known. */
  maxMs(): number | null;
  reset(): void;
  stop(): void;
}

/** What the sampler reads; replaced in unit tests. */
export interface SamplerProbes {
  /** Wall clock, ms (monotonic). */
  now(): number;
  /** CPU time used by the process so far, microseconds (user + system). */
  cpuMicros(): number;
  rss(): number;
  /** Starts the lag monitor; called once, when a reading first wants the lag. */
  startLagMonitor(): LagMonitor;
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
    // a timer of our own rather than perf_hooks' monitorEventLoopDelay: after its reset() the
    // histogram skips the next period, so a block right after a reading went unseen
    let last = performance.now();
    let max = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      max = Math.max(max, now - last - LAG_RESOLUTION_MS);
      last = now;
    }, LAG_RESOLUTION_MS).unref();
    return {
      // the period under way counts too: a reading taken just after a block still shows it
      maxMs: () => Math.max(0, max, performance.now() - last - LAG_RESOLUTION_MS),
      reset: () => (max = 0),
      stop: () => clearInterval(timer),
    };
  },
};

/** Gauges of one process, each CPU% and lag reading covering the time since the previous one. */
export class GaugeSampler {
  private lastAt: number;
  private lastCpu: number;
  private lag: LagMonitor | undefined;

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

  /** Stops the lag monitor (a later {@link startLagMonitor} starts a fresh one). */
  stopLagMonitor(): void {
    this.lag?.stop();
    this.lag = undefined;
  }

  /** Whether the lag monitor has measured at least one period. */
  hasLagReading(): boolean {
    return this.lag !== undefined && this.lag.maxMs() !== null;
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
