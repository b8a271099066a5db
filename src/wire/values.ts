/**
 * What both codecs share: which values need an extension type, the payload each one travels
 * as, and how a received payload becomes a value again. A codec only has to carry plain
 * data (null, booleans, numbers, strings, arrays, string-keyed maps) and raw bytes.
 */
import { binaryKind, bytesOf, fromBytes } from './binary.js';
import { Ext } from './ext-codes.js';
import { bareInstance, errorClassFor, errorClassName } from './error-classes.js';
import { refFromPayload, refToPayload, type RefDecodeHooks, type RefEncodeHooks } from './refs.js';
import { hasTypePredicates, userTypeNamed, userTypeOf } from './user-types.js';

/** Binary values of at least this many bytes travel as their own ZeroMQ frame. */
export const ATTACHMENT_THRESHOLD = 512;

/** Bytes inside an extension payload that a codec must write as raw binary. */
export class RawBytes {
  constructor(readonly bytes: Buffer) {}
}

/** State of one message being encoded. */
export interface EncodeState {
  hooks: RefEncodeHooks | undefined;
  /** Frames to send after the body, in the order their references appear. */
  attachments: Buffer[];
}

/** State of one message being decoded. */
export interface DecodeState {
  hooks: RefDecodeHooks | undefined;
  attachments: readonly Buffer[];
  /** Index of the next attachment frame to consume. */
  next: number;
  /** Number of extension values that could not be decoded (each left as an {@link Undecodable}). */
  failures: number;
}

/**
 * Stands in for an extension value that could not be decoded (an unregistered type, a reference
 * to a released object...), so one bad value fails only the message that holds it.
 */
export class Undecodable {
  constructor(readonly error: unknown) {}
}

/** The first {@link Undecodable} inside `value`, searched only when a batch reported failures. */
export function findUndecodable(value: unknown, seen = new Set<unknown>()): Undecodable | undefined {
  if (value instanceof Undecodable) return value;
  if (value === null || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  const children = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Array.isArray(value) ? value : Object.values(value);
  for (const child of children) {
    const found = findUndecodable(child, seen);
    if (found) return found;
  }
  if (value instanceof Error && value.cause !== undefined) return findUndecodable(value.cause, seen);
  return undefined;
}

/**
 * {@link fromExt} of the payload `readPayload` gives, with any failure (a payload that does not
 * parse, a bad value, an unknown code) kept as an {@link Undecodable} in place of the value.
 */
export function decodeExt(code: number, readPayload: () => unknown, state: DecodeState): unknown {
  try {
    return fromExt(code, readPayload(), state);
  } catch (err) {
    state.failures++;
    return new Undecodable(err);
  }
}

/** An extension value: its code and the payload the codec encodes in its place. */
export interface ExtValue {
  code: number;
  payload: unknown;
}

const standardErrorKeys = new Set(['name', 'message', 'stack', 'cause']);

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== 'Module';
}

function errorPayload(err: Error): unknown[] {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(err)) if (!standardErrorKeys.has(key)) fields[key] = (err as unknown as Record<string, unknown>)[key];
  // an AggregateError's `errors` is not enumerable, yet it is what the error is about
  if (err instanceof AggregateError) fields.errors = err.errors;
  const cls = errorClassName(err);
  const payload = [err.name, err.message, err.stack ?? '', err.cause, fields];
  if (cls !== undefined) payload.push(cls);
  return payload;
}

function binaryExt(value: object, state: EncodeState): ExtValue {
  const kind = binaryKind(value)!;
  const bytes = bytesOf(value as Buffer);
  if (bytes.byteLength >= ATTACHMENT_THRESHOLD) {
    state.attachments.push(bytes);
    return { code: Ext.Attachment, payload: [kind, bytes.byteLength] };
  }
  return { code: Ext.InlineBytes, payload: [kind, new RawBytes(bytes)] };
}

/**
 * The extension form of a function or object, or undefined when the codec should carry it as
 * plain data (an array or a plain object, or a class instance sent by value).
 */
export function toExt(value: object, state: EncodeState): ExtValue | undefined {
  if (typeof value === 'function') {
    const ref = state.hooks?.toRef(value, false);
    if (!ref) throw new TypeError(`cannot send function ${value.name || '(anonymous)'} by value`);
    return { code: Ext.Ref, payload: refToPayload(ref) };
  }
  // the common case, plain arrays and objects, skips the type lookups below (every message is one)
  const proto = Object.getPrototypeOf(value);
  if ((proto === Array.prototype || proto === Object.prototype) && !hasTypePredicates()) {
    const ref = state.hooks?.toRef(value, true);
    return ref ? { code: Ext.Ref, payload: refToPayload(ref) } : undefined;
  }
  const user = userTypeOf(value);
  const binary = user ? undefined : binaryKind(value);
  const builtin = user || binary ? undefined : builtinExt(value);
  const byValue = user !== undefined || binary !== undefined || builtin !== undefined || Array.isArray(value) || isPlainObject(value);
  const ref = state.hooks?.toRef(value, byValue);
  if (ref) return { code: Ext.Ref, payload: refToPayload(ref) };
  if (user) return { code: Ext.User, payload: [user.name, user.encode(value)] };
  // only once it is sure to go by value may a binary value claim an attachment frame
  return binary ? binaryExt(value, state) : builtin;
}

function builtinExt(value: object): ExtValue | undefined {
  if (value instanceof Date) return { code: Ext.Date, payload: value.getTime() };
  if (value instanceof Map) {
    const flat: unknown[] = [];
    for (const [k, v] of value) flat.push(k, v);
    return { code: Ext.Map, payload: flat };
  }
  if (value instanceof Set) return { code: Ext.Set, payload: [...value] };
  if (value instanceof Error) return { code: Ext.Error, payload: errorPayload(value) };
  if (value instanceof RegExp) return { code: Ext.RegExp, payload: [value.source, value.flags] };
  return undefined;
}

/**
 * The error a payload describes: an instance of the class registered under its class name (a
 * standard class by its `name` when it carries none), else a plain Error carrying that name. No constructor runs and fields are defined, never assigned, so a
 * peer's payload can neither run code nor reach a prototype.
 */
function reviveError(p: unknown): Error {
  if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw new TypeError('malformed error value');
  const [name, message, stack, cause, fields, cls] = p as [string, string, unknown, unknown, unknown, unknown];
  if (cls !== undefined && typeof cls !== 'string') throw new TypeError('malformed error value: its class name must be a string');
  const err = bareInstance(errorClassFor(cls, name) ?? Error, message, cause);
  if (err.name !== name) Object.defineProperty(err, 'name', { value: name, configurable: true, writable: true });
  if (typeof stack === 'string' && stack) err.stack = stack;
  if (fields && typeof fields === 'object') {
    for (const [k, v] of Object.entries(fields)) {
      // as on the sender, an AggregateError's `errors` is not enumerable
      const enumerable = !(k === 'errors' && err instanceof AggregateError);
      if (k !== '__proto__') Object.defineProperty(err, k, { value: v, enumerable, writable: true, configurable: true });
    }
  }
  return err;
}

function asPair(p: unknown, what: string): [unknown, unknown] {
  if (!Array.isArray(p) || p.length !== 2) throw new TypeError(`malformed ${what}`);
  return p as [unknown, unknown];
}

/** Turns a decoded extension payload back into its value. Throws TypeError on malformed input. */
function fromExt(code: number, payload: unknown, state: DecodeState): unknown {
  switch (code) {
    case Ext.Escaped:
    case Ext.Number:
      return payload;
    case Ext.Undefined:
      return undefined;
    case Ext.BigInt:
      if (typeof payload !== 'string' || !/^-?\d+$/.test(payload)) throw new TypeError('malformed bigint');
      return BigInt(payload);
    case Ext.Date:
      if (typeof payload !== 'number' && payload !== null) throw new TypeError('malformed date');
      return new Date(payload ?? NaN);
    case Ext.Map: {
      if (!Array.isArray(payload) || payload.length % 2) throw new TypeError('malformed map');
      const map = new Map();
      for (let i = 0; i < payload.length; i += 2) map.set(payload[i], payload[i + 1]);
      return map;
    }
    case Ext.Set:
      if (!Array.isArray(payload)) throw new TypeError('malformed set');
      return new Set(payload);
    case Ext.Error:
      return reviveError(payload);
    case Ext.RegExp: {
      const [source, flags] = asPair(payload, 'regexp');
      return new RegExp(String(source), String(flags));
    }
    case Ext.InlineBytes: {
      const [kind, bytes] = asPair(payload, 'bytes');
      const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : bytes;
      if (!Buffer.isBuffer(buf)) throw new TypeError('malformed bytes');
      return fromBytes(String(kind), buf);
    }
    case Ext.Attachment: {
      const [kind, length] = asPair(payload, 'attachment');
      const frame = state.attachments[state.next++];
      if (!frame) throw new TypeError('a value refers to an attachment frame that is missing');
      if (frame.byteLength !== length) throw new TypeError(`attachment frame has ${frame.byteLength} bytes, expected ${length}`);
      return fromBytes(String(kind), frame);
    }
    case Ext.Ref: {
      const ref = refFromPayload(payload);
      if (!state.hooks) throw new TypeError('received an object reference where none is accepted');
      return state.hooks.fromRef(ref);
    }
    case Ext.User: {
      const [name, data] = asPair(payload, 'user type value');
      const def = userTypeNamed(String(name));
      if (!def) throw new TypeError(`received a value of unregistered type ${JSON.stringify(name)}`);
      return def.decode(data);
    }
    default:
      throw new TypeError(`unknown extension type ${code}`);
  }
}

/** The extension form of a bigint. */
export function bigintExt(value: bigint): ExtValue {
  return { code: Ext.BigInt, payload: value.toString() };
}
