import msgpack from 'msgpack-lite';
import bufferishProto from 'msgpack-lite/lib/bufferish-proto.js';
import readFormat from 'msgpack-lite/lib/read-format.js';
import { DecodeBuffer } from 'msgpack-lite/lib/decode-buffer.js';
import { EncodeBuffer } from 'msgpack-lite/lib/encode-buffer.js';
import { ExtBuffer } from 'msgpack-lite/lib/ext-buffer.js';
import type { Codec } from './codec.js';
import { Ext } from './ext-codes.js';
import { bigintExt, decodeExt, RawBytes, toExt, type DecodeState, type EncodeState, type ExtValue } from './values.js';

type Encoder = unknown;
type EncodeFn = (encoder: Encoder, value: unknown) => void;
interface LiteCodec {
  encode: EncodeFn;
  addExtUnpacker(type: number, unpacker: (buffer: Buffer) => unknown): void;
}

// msgpack-lite decodes every string through `toString.apply(this, arguments)` and Buffer's
// general toString: a quarter of a server's time on small messages, whose strings (keys, types,
// method names) are short ASCII. Those are built directly; anything else takes Node's decoder.
// (msgpack-lite's readers and writers look these two functions up on its module at each call.)
// Built only up to SHORT_STRING characters: from 13 on, V8 makes each `+=` a rope (ConsString),
// and every later comparison or Map lookup of the string first flattens it into a new copy. For
// the 22-character object and server ids of every call that cost a server 2 us per call (its
// object lookup and server id check), more than Node's decoder costs once.
const SHORT_STRING = 8;
const liteToString = bufferishProto.toString;
function decodeString(this: Uint8Array, encoding: string, start: number, end: number): string {
  if (!Buffer.isBuffer(this)) return liteToString.call(this, encoding, start, end);
  if (end - start <= SHORT_STRING) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = this[i]!;
      if (c >= 0x80) return this.toString('utf8', start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return this.toString('utf8', start, end);
}
bufferishProto.toString = decodeString;

// The same on the way out: short ASCII strings are written byte by byte.
const liteWrite = bufferishProto.write;
function encodeString(this: Uint8Array, value: string, offset?: number): number {
  // msgpack-lite also calls it without an offset (Bufferish.from(string)): that keeps its own path
  if (!Buffer.isBuffer(this) || offset === undefined) return liteWrite.call(this, value, offset);
  const n = value.length;
  if (n <= 24) {
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return this.write(value, offset);
      this[offset + i] = c;
    }
    return n;
  }
  return this.write(value, offset);
}
bufferishProto.write = encodeString;

// msgpack-lite fills a decoded map with `obj[key] = value`, so a key "__proto__" would set the
// object's prototype; maps are built with own properties instead (as JSON.parse does). The map
// reader is swapped only while this codec is created, leaving other msgpack-lite users alone.
function decodeMap(decoder: { buffer: Uint8Array; offset: number; codec: { decode(d: unknown): unknown } }, len: number): Record<string, unknown> {
  if (2 * len > decoder.buffer.length - decoder.offset) throw new Error('BUFFER_SHORTAGE');
  const value: Record<string, unknown> = {};
  for (let i = 0; i < len; i++) {
    const key = decoder.codec.decode(decoder) as string;
    const v = decoder.codec.decode(decoder);
    if (key === '__proto__') Object.defineProperty(value, key, { value: v, enumerable: true, writable: true, configurable: true });
    else value[key] = v;
  }
  return value;
}
const liteGetReadFormat = readFormat.getReadFormat;
readFormat.getReadFormat = (opts) => ({ ...liteGetReadFormat(opts), map: decodeMap });
const liteCodec = msgpack.createCodec() as unknown as LiteCodec & msgpack.Codec;
readFormat.getReadFormat = liteGetReadFormat;
const baseEncode = liteCodec.encode;
const options = { codec: liteCodec };

// Encoding and decoding are synchronous, so the state of the message in progress can live here;
// nested payload encodes (a Map's entries, an error's cause) share it.
let encoding: EncodeState = { hooks: undefined, attachments: [] };
let decoding: DecodeState = { hooks: undefined, attachments: [], next: 0, failures: 0 };

const undefinedExt = new ExtBuffer(Buffer.alloc(0), Ext.Undefined);

function extBuffer(ext: ExtValue): ExtBuffer {
  return new ExtBuffer(msgpack.encode(ext.payload, options), ext.code);
}

// msgpack-lite writes undefined and functions as nil and knows nothing of references; this
// dispatcher, which msgpack-lite calls for every value including nested ones, handles them
// and hands everything else to the original.
liteCodec.encode = function encodeValue(encoder, value) {
  switch (typeof value) {
    case 'undefined':
      return baseEncode(encoder, undefinedExt);
    case 'bigint':
      return baseEncode(encoder, extBuffer(bigintExt(value)));
    case 'symbol':
      throw new TypeError(`cannot send ${String(value)}`);
    case 'function':
    case 'object': {
      if (value === null) return baseEncode(encoder, value);
      if (value instanceof RawBytes) return baseEncode(encoder, value.bytes);
      const ext = toExt(value, encoding);
      return baseEncode(encoder, ext ? extBuffer(ext) : value);
    }
    default:
      return baseEncode(encoder, value);
  }
};

// every code gets an unpacker, so an unknown one becomes an Undecodable rather than a raw
// ExtBuffer; msgpack-lite looks unpackers up by the unsigned type byte (a negative type is 128-255)
for (let code = 0; code < 256; code++) {
  if (code === Ext.Undefined) liteCodec.addExtUnpacker(code, () => undefined);
  // the escape and number codes exist only in JSON
  else if (code === Ext.Escaped || code === Ext.Number) {
    liteCodec.addExtUnpacker(code, () =>
      decodeExt(code, () => {
        throw new TypeError(`extension type ${code} exists only in JSON bodies`);
      }, decoding),
    );
  }
  else liteCodec.addExtUnpacker(code, (buf) => decodeExt(code, () => msgpack.decode(buf, options), decoding));
}

/** Bytes of a MessagePack array header for `length` elements. */
function arrayHeaderSize(length: number): number {
  return length < 16 ? 1 : length <= 0xffff ? 3 : 5;
}

/** Writes a MessagePack array header for `length` elements at byte `at` of `out`. */
function writeArrayHeader(out: Buffer, at: number, length: number): void {
  if (length < 16) out[at] = 0x90 + length;
  else if (length <= 0xffff) {
    out[at] = 0xdc;
    out.writeUInt16BE(length, at + 1);
  } else {
    out[at] = 0xdd;
    out.writeUInt32BE(length, at + 1);
  }
}

// msgpack.encode() allocates a fresh buffer per call; one long-lived encoder hands out slices of
// a buffer it reuses until full (a slice is never written again once handed out).
const topLevel = new EncodeBuffer(options);
let nesting = 0;

function encodeTopLevel(value: unknown): Buffer {
  try {
    topLevel.write(value);
    return topLevel.read();
  } catch (err) {
    // drop the partly written message
    topLevel.start = topLevel.offset;
    if (topLevel.buffers) topLevel.buffers.length = 0;
    throw err;
  }
}

/** MessagePack body codec (msgpack-lite plus zeroproc's extension types). */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  id: 0x6d,
  encode(value, state) {
    const outer = encoding;
    encoding = state;
    nesting++;
    try {
      // the shared buffer holds the outer message's bytes while a nested encode runs
      return nesting === 1 ? encodeTopLevel(value) : msgpack.encode(value, options);
    } finally {
      nesting--;
      encoding = outer;
    }
  },
  // written into one buffer: a concat of the header and the messages made two arrays and a
  // header buffer per batch, most batches being a single call or reply
  joinBatch(prefix, messages) {
    let at = prefix.length + arrayHeaderSize(messages.length);
    let size = at;
    for (const m of messages) size += m.data.length;
    const out = Buffer.allocUnsafe(size);
    out.set(prefix);
    writeArrayHeader(out, prefix.length, messages.length);
    for (const m of messages) at += m.data.copy(out, at);
    return out;
  },
  decodeBatch(frame, start, state) {
    const outer = decoding;
    decoding = state;
    try {
      // msgpack.decode would need the body as a Buffer of its own (a view per batch)
      const reader = new DecodeBuffer(options);
      reader.buffer = frame;
      reader.offset = start;
      const batch = reader.read();
      if (!Array.isArray(batch)) throw new TypeError('a message body must be an array of messages');
      return batch;
    } finally {
      decoding = outer;
    }
  },
};
