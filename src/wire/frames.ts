/**
 * The frames of one zeroproc message: header, body, attachments (docs/PROTOCOL.md, "Frames").
 * Nothing here authenticates: the link does, at the connection (docs/PROTOCOL.md, "Link
 * security").
 */
import { ProtocolError } from '../errors.js';
import type { Codec } from './codec.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';

/** Protocol version carried in every header. */
export const PROTOCOL_VERSION = 3;
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

/** The header frame of each codec, made once: it never changes, and nothing writes to a sent frame. */
const headers = new Map<number, Buffer>();

function headerOf(codec: Codec): Buffer {
  let header = headers.get(codec.id);
  if (!header) headers.set(codec.id, (header = Buffer.of(MAGIC0, MAGIC1, PROTOCOL_VERSION, codec.id)));
  return header;
}

/** Builds the frames of a batch, after the `route` frames (a ROUTER's routing id): header, body, attachments. */
export function packFrames(codec: Codec, messages: readonly EncodedMessage[], route: readonly Buffer[] = []): Buffer[] {
  const frames = [...route, headerOf(codec), codec.joinBatch(messages)];
  for (const m of messages) for (const a of m.attachments) frames.push(a);
  return frames;
}

/** A received batch whose header was understood. */
export interface ReceivedBatch {
  codec: Codec;
  body: Buffer;
  attachments: readonly Buffer[];
}

/** Shared by every batch without attachments (frozen: decoding only reads them). */
const NO_ATTACHMENTS: readonly Buffer[] = Object.freeze([]);

/**
 * Checks a batch's frames from index `first` on (a ROUTER's are behind the routing id);
 * ProtocolError for frames that are not a zeroproc message of this version.
 */
export function unpackFrames(frames: readonly Buffer[], first = 0): ReceivedBatch {
  const count = frames.length - first;
  if (count < 2) throw new ProtocolError(`a message needs at least 2 frames, got ${count}`);
  const header = frames[first]!;
  const body = frames[first + 1]!;
  if (header.byteLength !== 4 || header[0] !== MAGIC0 || header[1] !== MAGIC1) {
    throw new ProtocolError('the first frame is not a zeroproc header');
  }
  if (header[2] !== PROTOCOL_VERSION) throw new ProtocolError(`unsupported protocol version ${header[2]}, this side speaks ${PROTOCOL_VERSION}`);
  const codec = codecsById.get(header[3]!);
  if (!codec) throw new ProtocolError(`unknown codec id 0x${header[3]!.toString(16)}`);
  return { codec, body, attachments: count > 2 ? frames.slice(first + 2) : NO_ATTACHMENTS };
}
