/**
 * The size limits of a link (docs/PROTOCOL.md, "Limits and defaults"): how large one message may
 * be, and how many bytes may wait in a send queue. Kept apart from the socket options so the
 * numbers and the arithmetic on them live in one place.
 */
import type { EncodedMessage } from '../wire/frames.js';

const MiB = 1024 * 1024;

/**
 * Largest message a zeroproc process accepts by default: body plus attachments, bytes. Room for
 * the 100 MB payloads of the examples and the benchmark twice over, and far below what lets a
 * peer push a process into swap with a few messages (the previous 1 GiB per frame did).
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 256 * MiB;

/**
 * Bytes that may wait in a server's send queue for one peer. A peer that stops reading must not
 * grow the server: past this, its replies become `QueueFullError` error replies. A reply is
 * always queued when nothing waits for that peer, so one message up to `maxMessageSize` goes.
 */
export const DEFAULT_SERVER_QUEUED_BYTES = 32 * MiB;

/**
 * Bytes that may wait in a client's send queue; past this a call is refused with
 * `QueueFullError`. As large as one maximal message, so a burst of calls within one tick fits.
 */
export const DEFAULT_CLIENT_QUEUED_BYTES = 256 * MiB;

/**
 * ZeroMQ high-water mark, in batches, each way. Together with the batch cut below it bounds what
 * libzmq holds for a peer that stops reading (about 32 MiB of 1 MiB batches); libzmq counts
 * messages, not bytes, so this is the only lever on its queue.
 */
export const DEFAULT_HIGH_WATER_MARK = 32;

/**
 * A message this small (an error reply, a notice) may still be queued past `maxQueuedBytes`, up
 * to SMALL_MESSAGE_ALLOWANCE more bytes: so a server can still tell a peer whose queue is full
 * why its replies are missing, without letting that telling grow without bound.
 */
export const SMALL_MESSAGE = 4 * 1024;
export const SMALL_MESSAGE_ALLOWANCE = 1 * MiB;

/** A batch stops taking more messages once it holds this many bytes; a larger message goes alone. */
export const MAX_BATCH_BYTES = 1 * MiB;

/**
 * Bytes a batch of messages adds around them (the header, the codec's array header or brackets).
 * The socket's frame limit is `maxMessageSize` plus this, so that a message of exactly
 * `maxMessageSize` bytes, alone in its batch, is still accepted.
 */
export const BATCH_FRAMING = 16;

/** Largest number of bytes a limit may be (the largest exact integer of a double). */
export const MAX_BYTES = Number.MAX_SAFE_INTEGER;

/** Encoded size of one message: its body plus its attachments, bytes. */
export function messageSize(message: EncodedMessage): number {
  let size = message.data.byteLength;
  for (const a of message.attachments) size += a.byteLength;
  return size;
}

/** Bytes of a received batch: its first frame (header and body) and its attachments. */
export function batchSize(frame: Buffer, attachments: readonly Buffer[]): number {
  let size = frame.byteLength;
  for (const a of attachments) size += a.byteLength;
  return size;
}

/** Whether a received batch of `size` bytes is over a `maxMessageSize` limit (framing allowed for). */
export function overLimit(size: number, maxMessageSize: number): boolean {
  return size > maxMessageSize + BATCH_FRAMING;
}

/** `n` bytes for a reader: `268435456 bytes (256 MiB)`. */
export function describeBytes(n: number): string {
  return n >= MiB ? `${n} bytes (${Math.round((n / MiB) * 10) / 10} MiB)` : `${n} bytes`;
}
