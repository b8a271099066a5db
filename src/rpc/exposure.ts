/**
 * What a server lets its clients reach on an object, and which of its methods never answer
 * (Pyro's `@expose` and `@oneway`; an actor's `static tell` is the same oneway table). A policy
 * is worked out once per class (or per published object) and looked up per call without
 * allocating: docs/PROTOCOL.md, "Exposure", states the rules.
 */
import { describeValue } from '../describe-value.js';
import { InvalidArgumentError, NotExposedError } from '../errors.js';
import { checkOptions, satisfies, type OptionRules } from '../option-checks.js';
import { userTypeOf } from '../wire/user-types.js';

/** What may be reached on an object, and which of its methods answer nothing. */
export interface MemberPolicy {
  /** The only names a client may read, call or set (the list and the oneway methods); undefined: the default rule. */
  readonly expose: ReadonlySet<string> | undefined;
  /** The expose list as declared, without the oneway methods. */
  readonly listed: readonly string[] | undefined;
  /** Methods that never answer: a call returns at once and is sent `'off'`. */
  readonly oneway: ReadonlySet<string>;
  /** `oneway` as references carry it (one array per policy, shared by every reference). */
  readonly onewayList: readonly string[];
}

/** Options of `RPCServer.publish`: a policy for that one object, over what its class declares. */
export interface PublishOptions {
  /**
   * The only members clients may reach (read, call, set), as `static expose` on a class would
   * say; everything else is refused with `NotExposedError`. Default: the class's `static expose`,
   * else the default rule (no `_private` members, no built-ins of `Object.prototype` and
   * `Function.prototype` such as `toString`, `call`, `bind`).
   */
  expose?: readonly string[];
  /**
   * Methods that never answer (as `static oneway` on a class): a caller's call returns
   * `undefined` at once and is sent `'off'`; a throw is logged where it happened. Listed methods
   * are exposed. Default: the class's `static oneway` (and `static tell`).
   */
  oneway?: readonly string[];
}

/** A class (or the constructor of an object) and what it may declare. */
export interface DeclaringClass {
  readonly name?: string;
  /** The only members clients may reach on its instances. */
  readonly expose?: readonly string[];
  /** Methods of its instances that never answer (Pyro's `@oneway`). */
  readonly oneway?: readonly string[];
  /** The actor spelling of `oneway` (PyActor's `_tell`): the same table. */
  readonly tell?: readonly string[];
}

const EMPTY: ReadonlySet<string> = new Set();

/** The policy of objects that declare nothing. */
export const DEFAULT_POLICY: MemberPolicy = Object.freeze({ expose: undefined, listed: undefined, oneway: EMPTY, onewayList: Object.freeze([]) });

/** Path segments nobody may walk through: they lead to constructors and from there to code execution. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

/** The built-in methods every object or function inherits, by name; reachable only when exposed by name. */
const BUILTINS = new Map<string, unknown[]>();
/** Inherited accessors of functions that throw or reveal callers (`fn.caller`, `fn.arguments`). */
const BUILTIN_ACCESSORS = new Set<string>();
for (const proto of [Object.prototype, Function.prototype]) {
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
    if (FORBIDDEN.has(name)) continue;
    if (typeof d.value === 'function') BUILTINS.set(name, [...(BUILTINS.get(name) ?? []), d.value]);
    else if (d.get) BUILTIN_ACCESSORS.add(name);
  }
}

const names = satisfies('a list of member names', (v) => Array.isArray(v) && v.every((n) => typeof n === 'string' && n !== ''));

/** @internal Rules of `RPCServer.publish` options. */
export const publishOptionRules: OptionRules = { expose: names, oneway: names };

function makePolicy(expose: readonly string[] | undefined, oneway: ReadonlySet<string>): MemberPolicy {
  if (expose === undefined && oneway.size === 0) return DEFAULT_POLICY;
  const onewayList = Object.freeze([...oneway]);
  return Object.freeze({ expose: expose === undefined ? undefined : new Set([...expose, ...oneway]), listed: expose, oneway, onewayList });
}

/** `value` checked as a list of names of `what` (members, methods): `static key` of `owner` (`class Cart`). */
function declaredList(owner: string, key: string, value: unknown, what = 'method'): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (names(value) !== undefined) throw new InvalidArgumentError(`${owner}: \`static ${key}\` must be an array of ${what} names, got ${describeValue(value)}`);
  return value as readonly string[];
}

function ownerOf(Class: DeclaringClass): string {
  return `class ${Class.name || '(anonymous)'}`;
}

/**
 * The methods class `Class` declares oneway: `static oneway` and `static tell` (its actor
 * spelling), checked. Throws InvalidArgumentError naming `owner` (default `class Name`) when one
 * is not a list of names.
 */
export function declaredOneway(Class: DeclaringClass, owner = ownerOf(Class)): ReadonlySet<string> {
  const oneway = declaredList(owner, 'oneway', Class.oneway);
  const tell = declaredList(owner, 'tell', Class.tell);
  if (!oneway && !tell) return EMPTY;
  return new Set([...(oneway ?? []), ...(tell ?? [])]);
}

const byClass = new WeakMap<object, MemberPolicy>();
const byObject = new WeakMap<object, MemberPolicy>();
/** Policies by prototype: what a lookup for an instance finds, without reading its `constructor` each time. */
const byPrototype = new WeakMap<object, MemberPolicy>();

/** What class `Class` declares (worked out once per class). */
export function classPolicy(Class: DeclaringClass): MemberPolicy {
  let policy = byClass.get(Class);
  if (!policy) {
    policy = makePolicy(declaredList(ownerOf(Class), 'expose', Class.expose, 'member'), declaredOneway(Class));
    byClass.set(Class, policy);
  }
  return policy;
}

function prototypePolicy(proto: object): MemberPolicy {
  let policy = byPrototype.get(proto);
  if (!policy) {
    // the constructor's own slot, never a getter: a prototype decides nothing by running code
    const Class = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    policy = typeof Class === 'function' ? classPolicy(Class) : DEFAULT_POLICY;
    byPrototype.set(proto, policy);
  }
  return policy;
}

/**
 * The policy of `value`: the one it was published with, else its class's, else the default.
 * Throws InvalidArgumentError when its class declares something malformed.
 */
export function policyOf(value: object): MemberPolicy {
  const own = byObject.get(value);
  if (own) return own;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null ? DEFAULT_POLICY : prototypePolicy(proto);
}

/**
 * Gives `obj` its own policy from `options` over its class's (an option left out keeps what the
 * class declares). Checks everything first: `where` names the call in messages.
 */
export function setObjectPolicy(where: string, obj: object, options: PublishOptions | undefined): void {
  checkOptions(where, options, publishOptionRules);
  const inherited = policyOf(obj);
  if (!options || (options.expose === undefined && options.oneway === undefined)) return;
  const expose = options.expose ?? inherited.listed;
  const oneway = options.oneway ? new Set(options.oneway) : inherited.oneway;
  byObject.set(obj, makePolicy(expose, oneway));
}

const BUILT_IN = 'built-in members of objects and functions are reachable only when exposed by name';

function refusal(segment: string, holder: unknown, why: string): NotExposedError {
  return new NotExposedError(`${JSON.stringify(segment)} of ${describeHolder(holder)} is not exposed: ${why}`);
}

function describeHolder(holder: unknown): string {
  if (typeof holder === 'function') return `function ${holder.name || '(anonymous)'}`;
  const Class = holder !== null && typeof holder === 'object' ? (Object.getPrototypeOf(holder) as { constructor?: { name?: unknown } } | null)?.constructor : undefined;
  return typeof Class?.name === 'string' && Class.name ? Class.name : 'the object';
}

/** Whether `segment` is one of the segments refused everywhere (`__proto__`, `constructor`...). */
export function isForbiddenSegment(segment: string): boolean {
  return FORBIDDEN.has(segment);
}

/**
 * Why a client may not reach member `segment` of `holder`, checked before reading it: with an
 * expose list, only listed names; by default, no `_private` name. Undefined when it may.
 */
export function memberRefusal(holder: object, segment: string): NotExposedError | undefined {
  const { expose } = policyOf(holder);
  if (expose) {
    return expose.has(segment) ? undefined : refusal(segment, holder, 'its server lists the members clients may reach, and this is not one');
  }
  if (segment.charCodeAt(0) === 95 /* _ */) return refusal(segment, holder, 'members whose name starts with "_" are private unless the object exposes them by name');
  if (BUILTIN_ACCESSORS.has(segment) && !Object.hasOwn(holder, segment)) return refusal(segment, holder, BUILT_IN);
  return undefined;
}

/**
 * Why `member`, just read as `holder[segment]`, may not be reached: it is a built-in every
 * object or function inherits (`toString`, `call`, `bind`, `hasOwnProperty`...) and `holder`
 * does not expose it by name; they reveal source code or call functions with another `this`.
 * A class's own method of that name is its own business, and reachable.
 */
export function builtinRefusal(holder: object, segment: string, member: unknown): NotExposedError | undefined {
  const builtins = BUILTINS.get(segment);
  return builtins?.includes(member) && !policyOf(holder).expose ? refusal(segment, holder, BUILT_IN) : undefined;
}

/** The built-ins that call a function: remotely, they call it, but never with the caller's `this`. */
const INVOKERS = { call: Function.prototype.call, apply: Function.prototype.apply, bind: Function.prototype.bind };

/** How a client invoked a function through one of its built-in invokers. */
export type Invoker = keyof typeof INVOKERS;

/**
 * Whether a call of `holder[segment]` is `fn.call(...)`, `fn.apply(...)` or `fn.bind(...)` of a
 * function that does not expose them by name. Library code calls callbacks this way (Node's
 * EventEmitter runs `handler.apply(this, args)`), so such a call runs the function (see
 * {@link invokeWithOwnThis}) instead of being refused; reading them is refused like any built-in.
 */
export function invokerOf(holder: object, segment: string): Invoker | undefined {
  if (typeof holder !== 'function' || !Object.hasOwn(INVOKERS, segment)) return undefined;
  const kind = segment as Invoker;
  return (holder as unknown as Record<string, unknown>)[kind] === INVOKERS[kind] && !policyOf(holder).expose ? kind : undefined;
}

/**
 * Runs `fn.call(_, ...rest)`, `fn.apply(_, list)` or `fn.bind(_, ...rest)` with `self` (the object
 * `fn` was read from) in place of the `this` the client gave: a client may call what it can
 * reach, never with a `this` of its choosing (`vault.open.call({ _secret: guess }, guess)`).
 */
export function invokeWithOwnThis(kind: Invoker, fn: (...args: unknown[]) => unknown, self: unknown, args: readonly unknown[]): unknown {
  if (kind === 'bind') return fn.bind(self, ...args.slice(1));
  if (kind === 'call') return Reflect.apply(fn, self, args.slice(1));
  const list = args[1];
  if (list !== undefined && list !== null && !Array.isArray(list)) throw new InvalidArgumentError(`${fn.name || 'function'}.apply: the arguments must be an array, got ${describeValue(list)}`);
  return Reflect.apply(fn, self, list ?? []);
}

/**
 * What a `'value'` result becomes: a class instance whose policy hides some of its own fields
 * goes as a plain object of the fields a client could read one by one (no `_private` ones, or
 * only the exposed ones). Data, built-in value types and registered types go as they are.
 */
export function exposedValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null || Array.isArray(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (value instanceof Date || value instanceof Map || value instanceof Set || value instanceof Error || value instanceof RegExp || userTypeOf(value)) return value;
  const { expose } = policyOf(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const hidden = expose ? !expose.has(key) : key.charCodeAt(0) === 95;
    if (!hidden) copy[key] = (value as Record<string, unknown>)[key];
  }
  return copy;
}
