// msgpack-lite's ExtBuffer is not in its published typings; the codec builds ext values with it.
declare module 'msgpack-lite/lib/ext-buffer.js' {
  export class ExtBuffer {
    constructor(buffer: Buffer, type: number);
    buffer: Buffer;
    type: number;
  }
}
