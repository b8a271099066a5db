/**
 * The delays a Node timer honours. A longer one (or `Infinity`) fires after 1 ms with nothing
 * but a warning, so an option meaning "wait a long time" would mean "do not wait at all": every
 * option that becomes a timer's delay is checked against this range.
 */

/** Longest delay a Node timer waits as asked, in ms (about 24.8 days). */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** True for a number of ms a timer waits as given: from 0 to {@link MAX_DELAY_MS}. */
export function isDelay(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_DELAY_MS;
}
