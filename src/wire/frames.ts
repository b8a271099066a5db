/**
 * The frames of one zeroproc message: header, signature, body, attachments
 * (docs/PROTOCOL.md, "Frames").
 */
import { AuthError, ProtocolError } from '../errors.js';
import type { Codec } from './codec.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';
import { sign, verify } from './signing.js';

/** Protocol version carried in every header. */
export const PROTOCOL_VERSION = 1;
const MAGIC0 = 0x5a; // 'Z'
const MAGIC1 = 0x50; // 'P'
const EMPTY = Buffer.alloc(0);

const codecsById = new Map<number, Codec>([
  [msgpackCodec.id, msgpackCodec],
  [jsonCodec.id, jsonCodec],
]);

/** The codec called `name`. */
export function codecNamed(name: string): Codec {
  for (const c of codecsById.values()) if (c.name === name) return c;
  throw new ProtocolError(`unknown codec ${JSON.stringify(name)}: use 'msgpack' or 'json'`);
}

/** One message, already encoded, waiting in a send queue. */
export interface EncodedMessage {
  data: Buffer;
  attachments: Buffer[];
}

/**
 * Header flag (high bit of the codec byte): the signature covers the attachments' lengths, not
 * their bytes. Only for local links (loopback, ipc), where nobody but the two processes can
 * touch the stream, and where hashing a 100 MB payload four times per round trip cost more than
 * moving it.
 */
const LOCAL_ATTACHMENTS = 0x80;

/** What is signed for `attachments`: their bytes, or on a local link only their lengths. */
function signedAttachments(attachments: readonly Buffer[], byLength: boolean): Buffer[] {
  if (!byLength) return [...attachments];
  const lengths = Buffer.alloc(8 * attachments.length);
  attachments.forEach((a, i) => lengths.writeBigUInt64BE(BigInt(a.byteLength), 8 * i));
  return [lengths];
}

/**
 * Builds the frames of a batch: header, signature (empty without key), body, attachments.
 * `localLink` lets the signature cover only the attachments' lengths (see LOCAL_ATTACHMENTS).
 */
export function packFrames(codec: Codec, messages: readonly EncodedMessage[], key: Buffer | undefined, localLink = false): Buffer[] {
  const attachments: Buffer[] = [];
  for (const m of messages) for (const a of m.attachments) attachments.push(a);
  const byLength = localLink && key !== undefined && attachments.length > 0;
  const header = Buffer.of(MAGIC0, MAGIC1, PROTOCOL_VERSION, codec.id | (byLength ? LOCAL_ATTACHMENTS : 0));
  const body = codec.joinBatch(messages.map((m) => m.data));
  const signature = key ? sign(key, [header, body, ...signedAttachments(attachments, byLength)]) : EMPTY;
  return [header, signature, body, ...attachments];
}

/** The codec a batch's header names, if the header is readable (to answer even a bad batch in kind). */
export function headerCodec(frames: readonly Buffer[]): Codec | undefined {
  const header = frames[0];
  if (!header || header.byteLength !== 4 || header[0] !== MAGIC0 || header[1] !== MAGIC1) return undefined;
  return codecsById.get(header[3]! & ~LOCAL_ATTACHMENTS);
}

/** A received batch whose header was understood and whose signature was checked. */
export interface ReceivedBatch {
  codec: Codec;
  body: Buffer;
  attachments: Buffer[];
  /** Whether the batch carried a signature that was verified. */
  signed: boolean;
}

/**
 * Checks a batch's frames. Throws ProtocolError for frames that are not a zeroproc message and
 * AuthError when a key is set and the signature is missing or wrong, or covers only attachment
 * lengths on a link this side does not know to be local (`localLink`).
 */
export function unpackFrames(frames: readonly Buffer[], key: Buffer | undefined, localLink = false): ReceivedBatch {
  if (frames.length < 3) throw new ProtocolError(`a message needs at least 3 frames, got ${frames.length}`);
  const [header, signature, body] = frames as [Buffer, Buffer, Buffer];
  if (header.byteLength !== 4 || header[0] !== MAGIC0 || header[1] !== MAGIC1) {
    throw new ProtocolError('the first frame is not a zeroproc header');
  }
  if (header[2] !== PROTOCOL_VERSION) throw new ProtocolError(`unsupported protocol version ${header[2]}, this side speaks ${PROTOCOL_VERSION}`);
  const byLength = (header[3]! & LOCAL_ATTACHMENTS) !== 0;
  const codec = codecsById.get(header[3]! & ~LOCAL_ATTACHMENTS);
  if (!codec) throw new ProtocolError(`unknown codec id 0x${header[3]!.toString(16)}`);
  const attachments = frames.slice(3);
  if (key) {
    if (signature.byteLength === 0) throw new AuthError('message is not signed, and this side requires an authkey');
    if (byLength && !localLink) throw new AuthError('message signs only the lengths of its attachments, which is accepted on local links only');
    if (!verify(key, [header, body, ...signedAttachments(attachments, byLength)], signature)) throw new AuthError('message signature does not match the authkey');
  }
  return { codec, body, attachments, signed: key !== undefined };
}
