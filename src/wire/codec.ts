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
  /** One body holding the encoded `data` of all `messages` as an array, in order. */
  joinBatch(messages: ReadonlyArray<{ readonly data: Buffer }>): Buffer;
  /** The array of messages in a batch body. */
  decodeBatch(body: Buffer, state: DecodeState): unknown[];
}
