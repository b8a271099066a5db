import { describe, expect, test } from '@jest/globals';
import { ProtocolError } from '../../src/errors.js';
import {
  ATTACHMENT_THRESHOLD, batchMessages, codecNamed, jsonCodec, msgpackCodec, packFrames, registerType,
  unpackFrames, unregisterType, Undecodable, type Codec,
} from '../../src/wire/index.js';

function roundTrip(codec: Codec, value: unknown): { value: unknown; frames: number } {
  const attachments: Buffer[] = [];
  const data = codec.encode(value, { hooks: undefined, attachments });
  const frames = packFrames(codec, [{ data, attachments }]);
  const batch = unpackFrames(frames);
  const [out] = batchMessages(batch, { hooks: undefined, attachments: batch.attachments, next: 0, failures: 0 });
  return { value: out, frames: frames.length };
}

class Point {
  constructor(public x: number, public y: number) {}
}

describe.each([msgpackCodec, jsonCodec])('$name codec', (codec) => {
  test.each([
    ['null', null],
    ['true', true],
    ['integer', 42],
    ['negative float', -3.25],
    ['large integer', 2 ** 52 + 1],
    ['string', 'héllo ✓'],
    ['empty string', ''],
    ['short ASCII string at the encoder\u2019s fast-path limit', 'abcdefghijklmnopqrstuvwx'],
    ['ASCII string at the decoder\u2019s fast-path limit', 'abcdefgh'],
    ['ASCII string one past it', 'abcdefghi'],
    ['short string, ASCII then not', 'ab\u00e9'],
    ['long ASCII string', 'x'.repeat(300)],
    ['long non-ASCII string', 'ünïcödé ✓ '.repeat(20)],
    ['keys in several scripts', { 'ключ': 1, '鍵': 2, 'clé': 3 }],
    ['array', [1, 'two', [3]]],
    ['plain object', { a: 1, b: { c: [true, null] } }],
  ])('%s round-trips', (_name, value) => {
    expect(roundTrip(codec, value).value).toEqual(value);
  });

  test('undefined stays undefined, in arrays and objects too', () => {
    const out = roundTrip(codec, [undefined, { a: undefined }]).value as [unknown, Record<string, unknown>];
    expect(out[0]).toBeUndefined();
    expect('a' in out[1]).toBe(true);
    expect(out[1].a).toBeUndefined();
  });

  test('BigInt, Date, Map, Set and RegExp keep their types', () => {
    const value = { big: -(2n ** 70n), date: new Date('2026-11-21T10:00:00.123Z'), map: new Map<unknown, unknown>([[1, 'a'], ['k', new Set([1, 2])]]), set: new Set(['x']), re: /a+b/gi };
    const out = roundTrip(codec, value).value as typeof value;
    expect(out.big).toBe(-(2n ** 70n));
    expect(out.date).toBeInstanceOf(Date);
    expect(out.date.getTime()).toBe(value.date.getTime());
    expect(out.map).toBeInstanceOf(Map);
    expect(out.map.get('k')).toEqual(new Set([1, 2]));
    expect(out.set).toEqual(new Set(['x']));
    expect(out.re).toEqual(/a+b/gi);
  });

  test('NaN and infinities survive', () => {
    const out = roundTrip(codec, [NaN, Infinity, -Infinity]).value as number[];
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBe(-Infinity);
  });

  test('errors keep name, message, stack, cause and own fields', () => {
    const err = Object.assign(new RangeError('too far', { cause: new Error('root cause') }), { code: 'E_FAR', limit: 3 });
    const out = roundTrip(codec, err).value as RangeError & { code: string; limit: number };
    expect(out).toBeInstanceOf(RangeError);
    expect(out.message).toBe('too far');
    expect(out.stack).toBe(err.stack);
    expect((out.cause as Error).message).toBe('root cause');
    expect(out.code).toBe('E_FAR');
    expect(out.limit).toBe(3);
  });

  test('a custom error name survives', () => {
    class ValidationError extends Error {
      override name = 'ValidationError';
    }
    const out = roundTrip(codec, new ValidationError('bad')).value as Error;
    expect(out.name).toBe('ValidationError');
    expect(out.message).toBe('bad');
  });

  test('small binary values stay inline, with their types', () => {
    const value = { buf: Buffer.from([1, 2, 3]), u16: new Uint16Array([1, 65535]), f32: new Float32Array([1.5]), ab: new Uint8Array([9, 8]).buffer };
    const { value: out, frames } = roundTrip(codec, value);
    const o = out as typeof value;
    expect(frames).toBe(1);
    expect(Buffer.isBuffer(o.buf)).toBe(true);
    expect([...o.buf]).toEqual([1, 2, 3]);
    expect(o.u16).toBeInstanceOf(Uint16Array);
    expect([...o.u16]).toEqual([1, 65535]);
    expect(o.f32).toBeInstanceOf(Float32Array);
    expect(o.ab).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(o.ab)]).toEqual([9, 8]);
  });

  test('large binary values travel as their own frames, not inside the body', () => {
    const big = new Float64Array(100_000).map((_, i) => i * 0.5);
    const buf = Buffer.alloc(ATTACHMENT_THRESHOLD * 4, 7);
    const attachments: Buffer[] = [];
    const data = codec.encode({ big, buf }, { hooks: undefined, attachments });
    expect(attachments).toHaveLength(2);
    expect(data.byteLength).toBeLessThan(200);
    const { value, frames } = roundTrip(codec, { big, buf });
    const o = value as { big: Float64Array; buf: Buffer };
    expect(frames).toBe(3);
    expect(o.big).toBeInstanceOf(Float64Array);
    expect(o.big[99_999]).toBe(99_999 * 0.5);
    expect(o.buf.equals(buf)).toBe(true);
  });

  test('registered user types travel as themselves', () => {
    registerType({ name: `Point-${codec.name}`, type: Point, encode: (p: Point) => [p.x, p.y], decode: (d) => new Point(...(d as [number, number])) });
    try {
      const out = roundTrip(codec, { p: new Point(1, 2) }).value as { p: Point };
      expect(out.p).toBeInstanceOf(Point);
      expect(out.p).toEqual(new Point(1, 2));
    } finally {
      unregisterType(`Point-${codec.name}`);
    }
  });

  test('a value of a type the receiver does not know is marked, not thrown', () => {
    registerType({ name: 'Gone', type: Point, encode: (p: Point) => p.x, decode: () => null });
    const attachments: Buffer[] = [];
    const data = codec.encode([new Point(1, 1), 'ok'], { hooks: undefined, attachments });
    unregisterType('Gone');
    const state = { hooks: undefined, attachments, next: 0, failures: 0 };
    const [out] = codec.decodeBatch(codec.joinBatch(new Uint8Array(0), [{ data }]), 0, state) as [[unknown, string]];
    expect(state.failures).toBe(1);
    expect(out[0]).toBeInstanceOf(Undecodable);
    expect(out[1]).toBe('ok');
  });

  test('class instances without a registration go as their own fields', () => {
    expect(roundTrip(codec, new Point(3, 4)).value).toEqual({ x: 3, y: 4 });
  });

  test('functions cannot go by value', () => {
    expect(() => codec.encode({ f: () => 1 }, { hooks: undefined, attachments: [] })).toThrow(/cannot send function/);
  });

  test('a batch keeps message order and attachment order', () => {
    const msgs = [0, 1, 2].map((i) => {
      const attachments: Buffer[] = [];
      const data = codec.encode({ i, blob: Buffer.alloc(1000, i) }, { hooks: undefined, attachments });
      return { data, attachments };
    });
    const frames = packFrames(codec, msgs);
    const batch = unpackFrames(frames);
    const out = batchMessages(batch, { hooks: undefined, attachments: batch.attachments, next: 0, failures: 0 }) as { i: number; blob: Buffer }[];
    expect(out.map((m) => m.i)).toEqual([0, 1, 2]);
    expect(out.map((m) => m.blob[0])).toEqual([0, 1, 2]);
  });

  // 15 / 16 and 65,535 / 65,536 are where MessagePack's array header changes form
  test.each([1, 15, 16, 65_535, 65_536])('a batch of %i messages comes back whole, behind a routing id too', (count) => {
    const msgs = Array.from({ length: count }, (_, i) => ({ data: codec.encode(i, { hooks: undefined, attachments: [] }), attachments: [] }));
    const route = Buffer.from('peer');
    const frames = packFrames(codec, msgs, [route]);
    expect(frames[0]).toBe(route);
    const batch = unpackFrames(frames, 1);
    expect(batch.attachments).toEqual([]);
    const out = batchMessages(batch, { hooks: undefined, attachments: batch.attachments, next: 0, failures: 0 });
    expect(out).toHaveLength(count);
    expect(out[0]).toBe(0);
    expect(out[count - 1]).toBe(count - 1);
  });
});

describe('bad values fail only their own message', () => {
  function decodeWithExt(code: number, payload: Buffer): { out: unknown[]; failures: number } {
    // a batch of two messages: [ {v: ext(code, payload)}, "next" ]
    const ext = Buffer.concat([Buffer.of(0xc7, payload.length, code), payload]);
    const body = Buffer.concat([Buffer.of(0x92, 0x81, 0xa1, 0x76), ext, Buffer.of(0xa4), Buffer.from('next')]);
    const state = { hooks: undefined, attachments: [], next: 0, failures: 0 };
    const out = msgpackCodec.decodeBatch(body, 0, state);
    return { out, failures: state.failures };
  }

  test('an unknown extension code becomes Undecodable', () => {
    const { out, failures } = decodeWithExt(99, Buffer.of(0xc0));
    expect(failures).toBe(1);
    expect((out[0] as { v: unknown }).v).toBeInstanceOf(Undecodable);
    expect(out[1]).toBe('next');
  });

  test('a negative extension code becomes Undecodable', () => {
    const { out, failures } = decodeWithExt(0xff, Buffer.of(0xc0));
    expect(failures).toBe(1);
    expect((out[0] as { v: unknown }).v).toBeInstanceOf(Undecodable);
  });

  test('an extension payload that is not MessagePack becomes Undecodable', () => {
    const { out, failures } = decodeWithExt(3, Buffer.of(0xc1));
    expect(failures).toBe(1);
    expect(out[1]).toBe('next');
  });

  test('a JSON extension with a non-numeric code becomes Undecodable', () => {
    const state = { hooks: undefined, attachments: [], next: 0, failures: 0 };
    const out = jsonCodec.decodeBatch(Buffer.from('[{"v":{"$zp":"x","v":1}},"next"]'), 0, state);
    expect(state.failures).toBe(1);
    expect((out[0] as { v: unknown }).v).toBeInstanceOf(Undecodable);
    expect(out[1]).toBe('next');
  });
});

test('a "__proto__" key from a MessagePack peer stays data', () => {
  const body = Buffer.concat([Buffer.of(0x91, 0x81, 0xa9), Buffer.from('__proto__'), Buffer.of(0x81, 0xa5), Buffer.from('admin'), Buffer.of(0xc3)]);
  const [out] = msgpackCodec.decodeBatch(body, 0, { hooks: undefined, attachments: [], next: 0, failures: 0 }) as [Record<string, unknown>];
  expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  expect(out.admin).toBeUndefined();
  expect(Object.keys(out)).toEqual(['__proto__']);
});

describe('JSON specifics', () => {
  test('an object with a "$zp" key is not mistaken for an extension', () => {
    expect(roundTrip(jsonCodec, { $zp: 3, v: 'x' }).value).toEqual({ $zp: 3, v: 'x' });
  });
  test('a "__proto__" key stays data', () => {
    const parsed = roundTrip(jsonCodec, JSON.parse('{"__proto__": {"polluted": true}}')).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('frames (protocol version 4)', () => {
  const msg = () => ({ data: msgpackCodec.encode({ hello: 1 }, { hooks: undefined, attachments: [] }), attachments: [Buffer.alloc(600, 1)] });
  const body = (frames: Buffer[], at = 0) => frames[at]!.subarray(4);

  test('a batch is one frame of header and body, then the attachments: nothing per message to sign', () => {
    const frames = packFrames(msgpackCodec, [msg(), msg()]);
    expect(frames.map((f) => f.byteLength)).toEqual([4 + 1 + 2 * msg().data.byteLength, 600, 600]);
    expect([...frames[0]!.subarray(0, 4)]).toEqual([0x5a, 0x50, 4, msgpackCodec.id]);
    // then the body: a MessagePack array of the two messages
    expect(frames[0]![4]).toBe(0x92);
    const batch = unpackFrames(frames);
    expect(batch.codec).toBe(msgpackCodec);
    expect(batch.attachments).toHaveLength(2);
  });

  test('the JSON codec writes its body as text behind the same header', () => {
    const data = jsonCodec.encode({ hello: 1 }, { hooks: undefined, attachments: [] });
    const [frame] = packFrames(jsonCodec, [{ data, attachments: [] }, { data, attachments: [] }]);
    expect([...frame!.subarray(0, 4)]).toEqual([0x5a, 0x50, 4, jsonCodec.id]);
    expect(frame!.toString('utf8', 4)).toBe('[{"hello":1},{"hello":1}]');
  });

  test('behind a routing id the frames are read from the second on: header and body, then the attachments', () => {
    const route = Buffer.from('peer-id');
    const frames = packFrames(msgpackCodec, [msg(), msg()], [route]);
    const batch = unpackFrames(frames, 1);
    expect(batch.frame).toBe(frames[1]);
    expect(batch.attachments).toEqual([frames[2], frames[3]]);
    // a routing id alone: nothing after it
    expect(() => unpackFrames(frames.slice(0, 1), 1)).toThrow(/got no frame/);
  });

  test.each([msgpackCodec, jsonCodec])('a header with no body behind it fails to decode ($name), as an empty body does', (codec) => {
    const batch = unpackFrames([Buffer.of(0x5a, 0x50, 4, codec.id)]);
    expect(batch.codec).toBe(codec);
    expect(() => batchMessages(batch, { hooks: undefined, attachments: [], next: 0, failures: 0 })).toThrow();
  });

  test('batches of earlier versions are refused, not misread', () => {
    const v1 = [Buffer.of(0x5a, 0x50, 1, 0x6d), Buffer.alloc(32, 9), body(packFrames(msgpackCodec, [msg()]))];
    expect(() => unpackFrames(v1)).toThrow(/unsupported protocol version 1, this side speaks 4/);
    // version 2 had map-shaped messages, version 3 the header in a frame of its own
    for (const version of [2, 3]) {
      const old = [Buffer.of(0x5a, 0x50, version, 0x6d), body(packFrames(msgpackCodec, [msg()]))];
      expect(() => unpackFrames(old)).toThrow(`unsupported protocol version ${version}, this side speaks 4`);
    }
  });

  test.each([
    [[], /got no frame/],
    [[Buffer.from('x')], /does not start with a zeroproc header/],
    [[Buffer.of(0x5a, 0x50, 4)], /does not start with a zeroproc header/],
    [[Buffer.from('nope'), Buffer.from('x')], /does not start with a zeroproc header/],
    [[Buffer.of(0x5a, 0x50, 9, 0x6d, 0x90)], /unsupported protocol version 9/],
    [[Buffer.of(0x5a, 0x50, 4, 0x01, 0x90)], /unknown codec/],
    [[Buffer.of(0x5a, 0x50, 4, 0xed, 0x90)], /unknown codec id 0xed/],
  ])('garbage frames give a ProtocolError naming the problem (%#)', (frames, message) => {
    expect(() => unpackFrames(frames)).toThrow(ProtocolError);
    expect(() => unpackFrames(frames)).toThrow(message);
  });

  test('codecs are found by name; an unknown name is an error', () => {
    expect(codecNamed('json')).toBe(jsonCodec);
    expect(() => codecNamed('xml')).toThrow(/unknown codec "xml"/);
  });
});
