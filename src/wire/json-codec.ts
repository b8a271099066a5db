import type { Codec } from './codec.js';
import { Ext } from './ext-codes.js';
import { bigintExt, decodeExt, RawBytes, toExt, type DecodeState, type EncodeState, type ExtValue } from './values.js';

const MARK = '$zp';

function extTree(ext: ExtValue, state: EncodeState): unknown {
  return { [MARK]: ext.code, v: toTree(ext.payload, state) };
}

/** The JSON-safe tree of a value: extension values become `{"$zp": code, "v": payload}`. */
function toTree(value: unknown, state: EncodeState): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { [MARK]: Ext.Number, v: String(value) };
    case 'undefined':
      return { [MARK]: Ext.Undefined, v: null };
    case 'bigint':
      return extTree(bigintExt(value), state);
    case 'symbol':
      throw new TypeError(`cannot send ${String(value)}`);
    default: {
      if (value === null) return null;
      if (value instanceof RawBytes) return value.bytes.toString('base64');
      const ext = toExt(value as object, state);
      if (ext) return extTree(ext, state);
      if (Array.isArray(value)) return value.map((v) => toTree(v, state));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value as object)) out[key] = toTree((value as Record<string, unknown>)[key], state);
      return MARK in out ? { [MARK]: Ext.Escaped, v: out } : out;
    }
  }
}

/** Rebuilds values from a parsed JSON tree, visiting in document order (attachments rely on it). */
function fromTree(node: unknown, state: DecodeState): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((v) => fromTree(v, state));
  const obj = node as Record<string, unknown>;
  if (MARK in obj) {
    const code = obj[MARK];
    return decodeExt(typeof code === 'number' ? code : -1, () => {
      if (typeof code !== 'number') throw new TypeError(`${MARK} must be a number, got ${JSON.stringify(code)}`);
      if (code === Ext.Number) return specialNumber(obj.v);
      return code === Ext.Escaped ? plainFromTree(obj.v, state) : fromTree(obj.v, state);
    }, state);
  }
  return plainFromTree(obj, state);
}

function plainFromTree(node: unknown, state: DecodeState): Record<string, unknown> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new TypeError('malformed escaped object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    // JSON.parse makes "__proto__" an own key; copying it by assignment would set the prototype
    if (k === '__proto__') Object.defineProperty(out, k, { value: fromTree(v, state), enumerable: true, writable: true, configurable: true });
    else out[k] = fromTree(v, state);
  }
  return out;
}

const specialNumbers: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function specialNumber(v: unknown): number {
  const n = typeof v === 'string' ? specialNumbers[v] : undefined;
  if (n === undefined) throw new TypeError(`malformed number ${JSON.stringify(v)}: expected "NaN", "Infinity" or "-Infinity"`);
  return n;
}

const comma = Buffer.from(',');

/** JSON body codec, for clients in languages without a MessagePack library at hand. */
export const jsonCodec: Codec = {
  name: 'json',
  id: 0x6a,
  encode(value, state) {
    return Buffer.from(JSON.stringify(toTree(value, state)));
  },
  joinBatch(prefix, messages) {
    const parts: Uint8Array[] = [prefix, Buffer.from('[')];
    messages.forEach((m, i) => {
      if (i > 0) parts.push(comma);
      parts.push(m.data);
    });
    parts.push(Buffer.from(']'));
    return Buffer.concat(parts);
  },
  decodeBatch(frame, start, state) {
    const batch = fromTree(JSON.parse(frame.toString('utf8', start)), state);
    if (!Array.isArray(batch)) throw new TypeError('a message body must be an array of messages');
    return batch;
  },
};
