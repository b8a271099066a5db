/**
 * The frames of one zeroproc message: header and body in one frame, then the attachments
 * (docs/PROTOCOL.md, "Frames").
 * Nothing here authenticates: the link does, at the connection (docs/PROTOCOL.md, "Link
 * security").
 */
import { ProtocolError } from '../errors.js';
import type { Codec } from './codec.js';
import type { DecodeState } from './values.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';

/** Protocol version carried in every header. */
export const PROTOCOL_VERSION = 4;
/** Bytes of the header that starts every message's first frame. */
const HEADER_SIZE = 4;
const MAGIC0 = 0x5a; // 'Z'
const MAGIC1 = 0x50; // 'P'

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

/** The header of each codec, made once. */
const headers = new Map<number, Uint8Array>();

function headerOf(codec: Codec): Uint8Array {
  let header = headers.get(codec.id);
  if (!header) headers.set(codec.id, (header = Uint8Array.of(MAGIC0, MAGIC1, PROTOCOL_VERSION, codec.id)));
  return header;
}

/**
 * Builds the frames of a batch, after the `route` frames (a ROUTER's routing id): header and body
 * in one frame (a frame costs both ends and ZeroMQ's I/O threads work of its own), then the
 * attachments.
 */
export function packFrames(codec: Codec, messages: readonly EncodedMessage[], route: readonly Buffer[] = []): Buffer[] {
  const frames = [...route, codec.joinBatch(headerOf(codec), messages)];
  for (const m of messages) for (const a of m.attachments) frames.push(a);
  return frames;
}

/** A received batch whose header was understood. */
export interface ReceivedBatch {
  codec: Codec;
  /** The first frame: the header, then the body. */
  frame: Buffer;
  attachments: readonly Buffer[];
}

/** The messages in a received batch's body (decoded with its codec). */
export function batchMessages(batch: ReceivedBatch, state: DecodeState): unknown[] {
  return batch.codec.decodeBatch(batch.frame, HEADER_SIZE, state);
}

/** Shared by every batch without attachments (frozen: decoding only reads them). */
const NO_ATTACHMENTS: readonly Buffer[] = Object.freeze([]);

/**
 * Checks a batch's frames from index `first` on (a ROUTER's are behind the routing id);
 * ProtocolError for frames that are not a zeroproc message of this version.
 */
export function unpackFrames(frames: readonly Buffer[], first = 0): ReceivedBatch {
  const frame = frames[first];
  if (frame === undefined) throw new ProtocolError('a message needs a frame with a header and a body, got no frame');
  if (frame.byteLength < HEADER_SIZE || frame[0] !== MAGIC0 || frame[1] !== MAGIC1) {
    throw new ProtocolError('the first frame does not start with a zeroproc header');
  }
  // a version 3 peer sent the header as a frame of its own: its version byte says so here
  if (frame[2] !== PROTOCOL_VERSION) throw new ProtocolError(`unsupported protocol version ${frame[2]}, this side speaks ${PROTOCOL_VERSION}`);
  const codec = codecsById.get(frame[3]!);
  if (!codec) throw new ProtocolError(`unknown codec id 0x${frame[3]!.toString(16)}`);
  return { codec, frame, attachments: frames.length > first + 1 ? frames.slice(first + 1) : NO_ATTACHMENTS };
}
