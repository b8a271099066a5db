/**
 * When to restart a child that exited on its own, and after how long. Pure: no timers, no
 * processes, so the decisions can be checked exactly in unit tests.
 */
import { InvalidArgumentError, type ExitInfo } from '../errors.js';
import { isDelay, MAX_DELAY_MS } from '../delays.js';
import { describeValue } from '../describe-value.js';

/**
 * `'never'`: an exit is final. `'on-failure'`: restart after a non-zero exit code or a signal.
 * `'always'`: restart after any exit the parent did not ask for (`stop()`/`kill()` never restart).
 */
export type RestartPolicyName = 'never' | 'on-failure' | 'always';

/** Exponential back-off between restarts: `initial * factor^n`, capped at `max` (all in ms). */
export interface BackoffOptions {
  /** Delay before the first restart of a crash series. Default 100 ms. */
  initial?: number;
  /** Longest delay (at most 2^31 - 1 ms, a Node timer's limit). Default 30 000 ms. */
  max?: number;
  /** Growth per consecutive quick crash. Default 2. */
  factor?: number;
}

/** How a handle restarts its child. */
export interface RestartOptions {
  /** Default `'never'`. */
  policy?: RestartPolicyName;
  /**
   * How many restarts in a row may follow a run shorter than `minUptime` before the handle gives
   * up (emits `giveup`). A run that lasted `minUptime` or more resets the count and the back-off.
   * Default 10.
   */
  maxRestarts?: number;
  /** A run at least this long (ms) counts as stable. Default 1000 ms. */
  minUptime?: number;
  /** Delay growth; see {@link BackoffOptions}. */
  backoff?: BackoffOptions;
}

/** {@link RestartOptions} with every default filled in. */
export interface ResolvedRestartOptions {
  policy: RestartPolicyName;
  maxRestarts: number;
  minUptime: number;
  backoff: Required<BackoffOptions>;
}

/** What to do after a child exited on its own. */
export type RestartDecision =
  /** The policy does not restart after this exit. */
  | { action: 'none' }
  /** Restart after `delay` ms; `attempt` counts every restart of the handle, from 1. */
  | { action: 'restart'; attempt: number; delay: number }
  /** Too many quick crashes in a row: stop trying. */
  | { action: 'giveup'; restarts: number; reason: string };

const POLICIES: readonly RestartPolicyName[] = ['never', 'on-failure', 'always'];

function check(ok: boolean, what: string, want: string, value: unknown): void {
  if (!ok) throw new InvalidArgumentError(`spawn: option \`restart.${what}\` must be ${want}, got ${describeValue(value)}`);
}

/** Refuses keys `known` does not list: a typo (`maxRestart`) would silently keep the default. */
function checkKeys(what: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new InvalidArgumentError(`spawn: unknown option \`${what}.${key}\` (known: ${known.join(', ')})`);
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fills in defaults and validates; accepts the policy name alone as a shorthand. */
export function resolveRestartOptions(input: RestartPolicyName | RestartOptions | undefined): ResolvedRestartOptions {
  if (input !== undefined && typeof input !== 'string' && !isObject(input)) {
    throw new InvalidArgumentError(`spawn: option \`restart\` must be a policy name or an object, got ${describeValue(input)}`);
  }
  const opts: RestartOptions = typeof input === 'string' ? { policy: input } : (input ?? {});
  checkKeys('restart', opts, ['policy', 'maxRestarts', 'minUptime', 'backoff']);
  if (opts.backoff !== undefined) {
    if (!isObject(opts.backoff)) check(false, 'backoff', 'an object', opts.backoff);
    checkKeys('restart.backoff', opts.backoff, ['initial', 'max', 'factor']);
  }
  const resolved: ResolvedRestartOptions = {
    policy: opts.policy ?? 'never',
    maxRestarts: opts.maxRestarts ?? 10,
    minUptime: opts.minUptime ?? 1000,
    backoff: {
      initial: opts.backoff?.initial ?? 100,
      max: opts.backoff?.max ?? 30_000,
      factor: opts.backoff?.factor ?? 2,
    },
  };
  const { policy, maxRestarts, minUptime, backoff } = resolved;
  check(POLICIES.includes(policy), 'policy', "'never', 'on-failure' or 'always'", policy);
  check(Number.isInteger(maxRestarts) && maxRestarts >= 0, 'maxRestarts', 'an integer >= 0', maxRestarts);
  check(typeof minUptime === 'number' && Number.isFinite(minUptime) && minUptime >= 0, 'minUptime', 'a number of ms >= 0', minUptime);
  check(isDelay(backoff.initial), 'backoff.initial', `0 to ${MAX_DELAY_MS} ms`, backoff.initial);
  check(isDelay(backoff.max) && backoff.max >= backoff.initial, 'backoff.max', `backoff.initial to ${MAX_DELAY_MS} ms`, backoff.max);
  check(typeof backoff.factor === 'number' && Number.isFinite(backoff.factor) && backoff.factor >= 1, 'backoff.factor', 'a number >= 1', backoff.factor);
  return resolved;
}

/** The delay before restart number `n` (0-based) of a crash series. */
export function backoffDelay(n: number, backoff: Required<BackoffOptions>): number {
  return Math.min(backoff.max, Math.round(backoff.initial * backoff.factor ** n));
}

/** True when the policy restarts after this exit (ignoring crash-loop limits). */
export function policyRestarts(policy: RestartPolicyName, exit: ExitInfo): boolean {
  if (policy === 'always') return true;
  if (policy === 'on-failure') return exit.signal !== null || exit.code !== 0;
  return false;
}

/** Follows one handle's exits and decides about each; keeps the crash-series count. */
export class RestartTracker {
  readonly options: ResolvedRestartOptions;
  /** Restarts so far, over the handle's whole life. */
  restarts = 0;
  /** Restarts since the last stable run. */
  private quickRestarts = 0;

  constructor(options: ResolvedRestartOptions) {
    this.options = options;
  }

  /**
   * Restarts the policy would still make if the current run, `uptime` ms old, crashed now and
   * the next ones crashed at once; 0 when the policy never restarts.
   */
  budgetLeft(uptime: number): number {
    if (this.options.policy === 'never') return 0;
    return this.options.maxRestarts - (uptime >= this.options.minUptime ? 0 : this.quickRestarts);
  }

  /** Counts a restart the user asked for (not a crash); returns its attempt number. */
  countManualRestart(): number {
    return ++this.restarts;
  }

  /**
   * Decides about an exit the parent did not ask for. `uptime` is how long the run lasted, in ms;
   * a child that failed to start counts as a run of 0 ms with a failure exit.
   */
  onExit(exit: ExitInfo, uptime: number): RestartDecision {
    if (!policyRestarts(this.options.policy, exit)) return { action: 'none' };
    if (uptime >= this.options.minUptime) this.quickRestarts = 0;
    if (this.quickRestarts >= this.options.maxRestarts) {
      return {
        action: 'giveup',
        restarts: this.restarts,
        reason: `${this.quickRestarts + 1} runs in a row ended within ${this.options.minUptime} ms (maxRestarts ${this.options.maxRestarts})`,
      };
    }
    const delay = backoffDelay(this.quickRestarts, this.options.backoff);
    this.quickRestarts++;
    this.restarts++;
    return { action: 'restart', attempt: this.restarts, delay };
  }
}
