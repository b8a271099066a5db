/**
 * The one way options are checked (STYLE.md, item 4): every option of a call is checked before
 * the call does anything, unknown names are refused, and a refusal reads
 * ``RPCServer.start: option `peerTimeout` must be 1 to 2147483647 ms, got 0``.
 */
import { MAX_DELAY_MS } from './delays.js';
import { describeValue } from './describe-value.js';
import { InvalidArgumentError } from './errors.js';

/** Checks one value: undefined when it is acceptable, else what it must be (`must be ...`). */
export type OptionRule = (value: unknown) => string | undefined;

/** The rules of each option a call accepts. */
export type OptionRules = Readonly<Record<string, OptionRule>>;

/** A whole number from `min` to `max`, in `unit`. */
export function wholeNumber(min: number, max: number, unit: string): OptionRule {
  return (v) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `must be ${min} to ${max} ${unit}`);
}

/** A whole number of ms from `min` to the longest delay a Node timer honours (a longer one fires at once). */
export function delayMs(min = 1): OptionRule {
  return wholeNumber(min, MAX_DELAY_MS, 'ms');
}

/** One of the strings `values`. */
export function oneOf(...values: readonly string[]): OptionRule {
  return (v) => (typeof v === 'string' && values.includes(v) ? undefined : `must be ${values.map((x) => `'${x}'`).join(' or ')}`);
}

/** `true` or `false`. */
export const boolean: OptionRule = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

/** A string that is not empty. */
export const nonEmptyString: OptionRule = (v) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string');

/** A function. */
export const func: OptionRule = (v) => (typeof v === 'function' ? undefined : 'must be a function');

/** A value `test` accepts; `what` says which (`a string or a Uint8Array`). */
export function satisfies(what: string, test: (value: unknown) => boolean): OptionRule {
  return (v) => (test(v) ? undefined : `must be ${what}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Throws InvalidArgumentError for the first option of `options` that is unknown or breaks its
 * rule; an option left undefined takes its default and is not checked. `prefix` names a nested
 * group (`link.`). `where` names the call, as the user wrote it.
 */
export function checkOptions(where: string, options: unknown, rules: OptionRules, prefix = ''): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new InvalidArgumentError(`${where}: ${prefix ? `option \`${prefix.slice(0, -1)}\`` : 'options'} must be an object, got ${describeValue(options)}`);
  }
  for (const [name, value] of Object.entries(options)) {
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (!rule) {
      throw new InvalidArgumentError(`${where}: unknown option \`${prefix}${name}\` (known: ${Object.keys(rules).join(', ')})`);
    }
    if (value === undefined) continue;
    const problem = rule(value);
    if (problem) throw new InvalidArgumentError(`${where}: option \`${prefix}${name}\` ${problem}, got ${describeValue(value)}`);
  }
}

/** A rule for a nested group of options (`link: {...}`), checked with `checkOptions`. */
export function group(where: string, name: string, rules: OptionRules): OptionRule {
  return (v) => {
    checkOptions(where, v, rules, `${name}.`);
    return undefined;
  };
}
