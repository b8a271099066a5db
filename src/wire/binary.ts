/** Binary values: which kinds exist, how to view them as bytes, and how to rebuild them. */

const typedArrayKinds = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

/** Name of a binary kind as it travels on the wire. */
export type BinaryKind = keyof typeof typedArrayKinds | 'Buffer' | 'ArrayBuffer' | 'DataView';

type BinaryValue = Buffer | ArrayBufferView | ArrayBufferLike;

/** The wire kind of a binary value, or undefined when `value` is not binary. */
export function binaryKind(value: object): BinaryKind | undefined {
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (value instanceof ArrayBuffer) return 'ArrayBuffer';
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView) return 'DataView';
    const name = value.constructor.name;
    if (name in typedArrayKinds) return name as BinaryKind;
  }
  return undefined;
}

/** A Buffer over the same memory as `value` (no copy). */
export function bytesOf(value: BinaryValue): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (!ArrayBuffer.isView(value)) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Rebuilds a binary value of `kind` over `bytes`. Typed arrays need their element alignment;
 * a received frame is not always aligned, and then (only then) the bytes are copied.
 */
export function fromBytes(kind: string, bytes: Buffer): BinaryValue {
  if (kind === 'Buffer') return bytes;
  if (kind === 'ArrayBuffer') {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  if (kind === 'DataView') return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const Ctor = typedArrayKinds[kind as keyof typeof typedArrayKinds];
  if (!Ctor) throw new TypeError(`unknown binary kind ${JSON.stringify(kind)}`);
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) throw new TypeError(`${kind} byte length ${bytes.byteLength} is not a multiple of ${size}`);
  const source = bytes.byteOffset % size === 0 ? bytes : Buffer.from(bytes);
  return new Ctor(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength / size);
}
