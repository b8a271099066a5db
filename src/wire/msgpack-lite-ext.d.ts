// msgpack-lite's internal classes are not in its published typings: the codec encodes and decodes
// with its buffers (EncodeBuffer, DecodeBuffer) and builds ext values with ExtBuffer.
declare module 'msgpack-lite/lib/encode-buffer.js' {
  export class EncodeBuffer {
    constructor(options: { codec: unknown });
    write(value: unknown): void;
    read(): Buffer;
    start: number;
    offset: number;
    buffers?: Buffer[];
  }
}

declare module 'msgpack-lite/lib/decode-buffer.js' {
  export class DecodeBuffer {
    constructor(options: { codec: unknown });
    /** The next value from `offset` on. */
    read(): unknown;
    buffer: Uint8Array;
    offset: number;
  }
}

declare module 'msgpack-lite/lib/ext-buffer.js' {
  export class ExtBuffer {
    constructor(buffer: Buffer, type: number);
    buffer: Buffer;
    type: number;
  }
}

declare module 'msgpack-lite/lib/bufferish-proto.js' {
  const proto: {
    toString: (this: Uint8Array, encoding: string, start: number, end: number) => string;
    write: (this: Uint8Array, value: string, offset?: number) => number;
  };
  export default proto;
}

declare module 'msgpack-lite/lib/read-format.js' {
  interface Decoder {
    buffer: Uint8Array;
    offset: number;
    codec: { decode(decoder: Decoder): unknown };
  }
  const readFormat: {
    getReadFormat(options: unknown): Record<string, unknown> & { map: (decoder: Decoder, len: number) => unknown };
  };
  export default readFormat;
}
