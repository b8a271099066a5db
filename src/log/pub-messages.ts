/**
 * The messages of the LogServer's PUB socket: `[topic, records, sequence]`. Each is kept under a
 * size limit, so that the messages ZeroMQ queues for a subscriber that stops reading (at most its
 * high-water mark) take bounded memory; the sequence lets a subscriber count the records it
 * missed when ZeroMQ dropped messages for it.
 */
import msgpack from 'msgpack-lite';
import type { LogRecord } from './record.js';

/** Largest PUB message body, in bytes (a single larger record is cut to fit, see {@link encodePubBodies}). */
export const PUB_MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * Messages ZeroMQ queues for one subscriber before it drops the next ones for it: with
 * {@link PUB_MAX_MESSAGE_BYTES}, at most 32 MiB per subscriber that does not read.
 */
export const PUB_HIGH_WATER_MARK = 256;

/** Marker appended to the text of a record cut to fit one PUB message. */
const CUT_MARKER = ' [cut for subscribers: the whole record is in the log file]';

/**
 * MessagePack bodies (arrays of records) for `records`, in order, each at most
 * {@link PUB_MAX_MESSAGE_BYTES}. A record too large on its own is published with its `msg` and
 * `stack` cut (and `meta.cut: true`); the file keeps it whole.
 */
export function encodePubBodies(records: readonly LogRecord[]): Array<{ body: Buffer; count: number }> {
  const out: Array<{ body: Buffer; count: number }> = [];
  let parts: Buffer[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    out.push({ body: Buffer.concat([arrayHeader(parts.length), ...parts]), count: parts.length });
    parts = [];
    bytes = 0;
  };
  for (const record of records) {
    let encoded = msgpack.encode(record);
    if (encoded.length + 5 > PUB_MAX_MESSAGE_BYTES) encoded = msgpack.encode(cut(record));
    if (bytes + encoded.length + 5 > PUB_MAX_MESSAGE_BYTES) flush();
    parts.push(encoded);
    bytes += encoded.length;
  }
  flush();
  return out;
}

/** A copy of `record` small enough for one message: each string field at most a quarter of it. */
function cut(record: LogRecord): LogRecord {
  // a UTF-8 character takes at most 3 bytes per UTF-16 unit
  const room = Math.floor(PUB_MAX_MESSAGE_BYTES / 4 / 3);
  const short = (text: string): string => (text.length > room ? `${text.slice(0, room)}${CUT_MARKER}` : text);
  const copy: LogRecord = { ...record, host: short(record.host), process: short(record.process), logger: short(record.logger), msg: short(record.msg), meta: { cut: true } };
  if (record.stack !== undefined) copy.stack = short(record.stack);
  return copy;
}

/** The MessagePack header of an array of `n` elements. */
function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  const header = Buffer.alloc(n < 0x10000 ? 3 : 5);
  if (n < 0x10000) {
    header[0] = 0xdc;
    header.writeUInt16BE(n, 1);
  } else {
    header[0] = 0xdd;
    header.writeUInt32BE(n, 1);
  }
  return header;
}

/** The third frame: how many records the server published before this message (uint64, big-endian). */
export function sequenceFrame(published: number): Buffer {
  const frame = Buffer.alloc(8);
  frame.writeBigUInt64BE(BigInt(published));
  return frame;
}

/**
 * Counts, on the subscriber's side, the records ZeroMQ dropped before they reached it: a gap
 * between the sequence a message carries and the one expected after the previous message.
 */
export class MissedRecords {
  private expected: number | undefined;

  /**
   * Takes the sequence frame of a message with `count` records; returns how many records were
   * missed just before it (0 for the first message, for one without a sequence frame, and when
   * the sequence went back: the server restarted).
   */
  check(frame: Buffer | undefined, count: number): number {
    if (!frame || frame.length !== 8) return 0;
    const first = Number(frame.readBigUInt64BE());
    const missed = this.expected !== undefined && first > this.expected ? first - this.expected : 0;
    this.expected = first + count;
    return missed;
  }
}
