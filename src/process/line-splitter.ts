/**
 * Turns the byte chunks read from a child's stdout or stderr pipe into whole lines.
 *
 * Pure: no I/O, no imports from the rest of zeroproc, so the spawner and the tests use it alike.
 */

/**
 * Text appended to every piece of an over-long line except the last one. Chosen to be plain
 * ASCII and readable in a terminal or a log file; the `continued` flag of {@link SplitLine}
 * carries the same fact for programs.
 */
export const LINE_CONTINUED_MARKER = ' [continued]';

/** Default limit of one emitted line, in bytes of the child's output (64 KiB). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/** One line (or one piece of an over-long line) cut from a stream. */
export interface SplitLine {
  /**
   * The text, without its line terminator (`\n` or `\r\n`). Invalid UTF-8 is replaced with
   * U+FFFD. A piece that the next one continues ends with {@link LINE_CONTINUED_MARKER}.
   */
  line: string;
  /** True when this piece was cut at the length limit and the next piece continues it. */
  continued: boolean;
}

/** Options of {@link LineSplitter}. */
export interface LineSplitterOptions {
  /**
   * Longest line kept whole, in bytes (excluding the terminator); a longer one is emitted in
   * pieces of at most this many bytes, cut on a UTF-8 character boundary. Default 64 KiB.
   */
  maxLineBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines.
 *
 * Bytes are buffered until a line feed arrives, so a line written in several pieces (or a
 * multi-byte character cut between two chunks) comes out whole, and decoding happens once per
 * line. A lone `\r` (progress bars) stays inside the line; only `\r\n` counts as a terminator.
 *
 * ```ts
 * const splitter = new LineSplitter();
 * child.stdout.on('data', (chunk) => { for (const l of splitter.push(chunk)) sink(l); });
 * child.stdout.on('end', () => { for (const l of splitter.end()) sink(l); });
 * ```
 */
export class LineSplitter {
  /** Longest line kept whole, in bytes. */
  readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(options: LineSplitterOptions = {}) {
    const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    // below 4 bytes a single UTF-8 character could not fit in one piece
    if (!Number.isInteger(max) || max < 4) {
      throw new RangeError(`maxLineBytes must be an integer >= 4, got ${String(max)}`);
    }
    this.maxLineBytes = max;
  }

  /** Feeds one chunk; returns the lines it completed (possibly none), in order. */
  push(chunk: Uint8Array | string): SplitLine[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : asBuffer(chunk);
    const out: SplitLine[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(LF, start); nl !== -1; nl = bytes.indexOf(LF, start)) {
      let line: Buffer;
      if (this.pendingBytes === 0) {
        line = bytes.subarray(start, nl);
      } else {
        this.pending.push(bytes.subarray(start, nl));
        line = Buffer.concat(this.pending, this.pendingBytes + nl - start);
        this.pending = [];
        this.pendingBytes = 0;
      }
      this.emitLine(stripCr(line), out);
      start = nl + 1;
    }
    if (start < bytes.length) {
      // copy: the caller may reuse its buffer once push() returns
      const rest = Buffer.from(bytes.subarray(start));
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      this.cutOverlong(out);
    }
    return out;
  }

  /** Flushes a last line that had no terminator (the stream ended); returns it, or nothing. */
  end(): SplitLine[] {
    if (this.pendingBytes === 0) return [];
    const line = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const out: SplitLine[] = [];
    this.emitLine(stripCr(line), out);
    return out;
  }

  /** Emits a complete line, in pieces when it is longer than the limit. */
  private emitLine(line: Buffer, out: SplitLine[]): void {
    let start = 0;
    while (line.length - start > this.maxLineBytes) {
      const cut = cutPoint(line, start, this.maxLineBytes);
      out.push(piece(line.subarray(start, cut), true));
      start = cut;
    }
    out.push(piece(line.subarray(start), false));
  }

  /**
   * Emits the leading pieces of a pending line that already exceeds the limit, so an endless
   * line without a terminator never grows the buffer beyond the limit. A trailing `\r` does not
   * count: it may be the first half of a `\r\n` still on its way.
   */
  private cutOverlong(out: SplitLine[]): void {
    const last = this.pending[this.pending.length - 1]!;
    const trailingCr = last[last.length - 1] === CR ? 1 : 0;
    if (this.pendingBytes - trailingCr <= this.maxLineBytes) return;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    let start = 0;
    while (all.length - trailingCr - start > this.maxLineBytes) {
      const cut = cutPoint(all, start, this.maxLineBytes);
      out.push(piece(all.subarray(start, cut), true));
      start = cut;
    }
    const rest = Buffer.from(all.subarray(start));
    this.pending = [rest];
    this.pendingBytes = rest.length;
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

/**
 * Where to end a piece that starts at `start`: at most `max` bytes on, moved back to the start
 * of a UTF-8 character so no character is split (unless the bytes are not UTF-8 at all).
 */
function cutPoint(buf: Buffer, start: number, max: number): number {
  const limit = start + max;
  let cut = limit;
  // continuation bytes look like 10xxxxxx; a valid character has at most three of them
  while (cut > limit - 3 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return (buf[cut]! & 0xc0) === 0x80 ? limit : cut;
}

function piece(bytes: Buffer, continued: boolean): SplitLine {
  const text = bytes.toString('utf8');
  return continued ? { line: text + LINE_CONTINUED_MARKER, continued } : { line: text, continued };
}
