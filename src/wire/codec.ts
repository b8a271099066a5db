import type { DecodeState, EncodeState } from './values.js';

/** Names of the body codecs a client may choose. */
export type CodecName = 'msgpack' | 'json';

/**
 * A body codec: encodes one message at a time (so messages can be queued already encoded) and
 * joins queued messages into one batch body.
 */
export interface Codec {
  readonly name: CodecName;
  /** The byte that names this codec in a frame header. */
  readonly id: number;
  encode(value: unknown, state: EncodeState): Buffer;
  /** One frame: `prefix`, then a body holding the encoded `data` of all `messages` as an array, in order. */
  joinBatch(prefix: Uint8Array, messages: ReadonlyArray<{ readonly data: Buffer }>): Buffer;
  /** The array of messages in the body that starts at byte `start` of `frame`. */
  decodeBatch(frame: Buffer, start: number, state: DecodeState): unknown[];
}
