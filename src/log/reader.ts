/**
 * Reading the log files a LogServer writes: the last records (newest file first, read
 * backwards), and following new ones across rotation.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_FILE_NAME, rotatedIndexes } from './file-writer.js';
import { validateRecord, type LogRecord } from './record.js';

/** Where a reader stopped in the live file, so a follower can go on from there. */
export interface LogPosition {
  /** Inode of the file the position is in. */
  ino: number;
  /** Byte offset just after the last complete line read. */
  offset: number;
}

/** What {@link readLastRecords} found. */
export interface LastRecords {
  /** The records, oldest first. */
  records: LogRecord[];
  /** The end of the live file as it was read; undefined when there was no live file. */
  position: LogPosition | undefined;
  /** Lines that were not valid records (skipped). */
  skipped: number;
}

/** Options of {@link readLastRecords}. */
export interface ReadLastOptions {
  /** Keep only records this accepts. */
  filter?: (record: LogRecord) => boolean;
  /**
   * Stop reading older files once a record is this much older than `since` (ms since the
   * epoch): files hold records in arrival order, and source clocks differ only a little.
   */
  since?: number;
}

/** Records a little older than `--since` may still follow newer ones (skewed clocks, late arrivals). */
const SINCE_SLACK_MS = 60_000;
const CHUNK = 64 * 1024;
/** Listings a follower makes to find the next file while rotations keep renaming them. */
const SUCCESSOR_ATTEMPTS = 100;

/** Rotated files of `dir`, newest first (`zeroproc.log.1`, `.2`, ...). */
export async function rotatedFiles(dir: string): Promise<string[]> {
  return (await rotatedIndexes(dir)).map((i) => join(dir, `${LOG_FILE_NAME}.${i}`));
}

/**
 * Reads the last `count` records accepted by `filter` from the log directory (all of them when
 * `count` is Infinity), oldest first.
 */
export async function readLastRecords(dir: string, count: number, options: ReadLastOptions = {}): Promise<LastRecords> {
  const { filter, since } = options;
  const found: LogRecord[] = [];
  let skipped = 0;
  let position: LogPosition | undefined;
  const files = [join(dir, LOG_FILE_NAME), ...(await rotatedFiles(dir))];
  // open them all first: a rotation while reading must not make us read a file twice
  const handles: Array<{ path: string; fh: FileHandle; ino: number; size: number }> = [];
  const seen = new Set<number>();
  try {
    for (const path of files) {
      const fh = await open(path, 'r').catch(ignoreMissing);
      if (!fh) continue;
      const st = await fh.stat();
      if (seen.has(st.ino)) {
        await fh.close();
        continue;
      }
      seen.add(st.ino);
      handles.push({ path, fh, ino: st.ino, size: st.size });
    }
    const live = handles[0]?.path === files[0] ? handles[0] : undefined;
    if (live) position = { ino: live.ino, offset: await completeLinesEnd(live.fh, live.size) };
    let tooOld = false;
    for (let i = 0; i < handles.length && found.length < count && !tooOld; i++) {
      const { fh, size } = handles[i]!;
      for await (const { line } of linesBackward(fh, size)) {
        let record: LogRecord;
        try {
          record = validateRecord(JSON.parse(line));
        } catch {
          skipped++;
          continue;
        }
        if (since !== undefined && record.time < since - SINCE_SLACK_MS) {
          tooOld = true;
          break;
        }
        if (filter && !filter(record)) continue;
        found.push(record);
        if (found.length >= count) break;
      }
    }
  } finally {
    await Promise.all(handles.map((h) => h.fh.close()));
  }
  return { records: found.reverse(), position, skipped };
}

/** Offset just after the last line feed within the first `size` bytes (0 when none). */
async function completeLinesEnd(fh: FileHandle, size: number): Promise<number> {
  for await (const { end } of linesBackward(fh, size)) return end;
  return 0;
}

/**
 * The complete lines of a file, last first, each with the offset just after its line feed. An
 * unterminated last line (a write in progress) is left out. Linear in the file size: each chunk
 * is scanned once, and a line longer than a chunk is kept as a list of pieces joined once (a
 * growing buffer copied and rescanned per chunk made one 16 MiB line take 5 s).
 */
async function* linesBackward(fh: FileHandle, size: number): AsyncGenerator<{ line: string; end: number }> {
  let pos = size;
  // the pieces of the line being assembled that follow the current chunk, last piece first
  let pieces: Buffer[] = [];
  // offset just after the line feed that closes that line; -1 until a line feed is found
  let lineEnd = -1;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const buf = Buffer.alloc(len);
    await readFully(fh, buf, pos);
    let hi = buf.length; // bytes [0, hi) of the chunk are not assigned to a line yet
    if (lineEnd === -1) {
      hi = buf.lastIndexOf(0x0a);
      if (hi === -1) continue;
      lineEnd = pos + hi + 1;
    }
    for (;;) {
      // lastIndexOf with a negative offset counts from the end: stop at the chunk's start
      const nl = hi === 0 ? -1 : buf.lastIndexOf(0x0a, hi - 1);
      if (nl === -1) {
        pieces.push(buf.subarray(0, hi));
        break;
      }
      pieces.push(buf.subarray(nl + 1, hi));
      const line = joinReversed(pieces);
      if (line.trim() !== '') yield { line, end: lineEnd };
      pieces = [];
      lineEnd = pos + nl + 1;
      hi = nl;
    }
  }
  if (lineEnd !== -1) {
    const line = joinReversed(pieces);
    if (line.trim() !== '') yield { line, end: lineEnd };
  }
}

function joinReversed(pieces: Buffer[]): string {
  return (pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces.reverse())).toString('utf8');
}

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error('log file shrank while it was read');
    done += bytesRead;
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT') return undefined;
  throw err;
}

/** Receives what a {@link LogFollower} reads. */
export interface FollowHandlers {
  /** A new record, in file order. */
  onRecord: (record: LogRecord) => void;
  /** Something the reader should know (records lost to rotation, unreadable lines, I/O errors). */
  onWarning: (message: string) => void;
}

/** Options of {@link LogFollower}. */
export interface FollowOptions extends FollowHandlers {
  /** Where to start: usually {@link LastRecords.position}; default the start of the live file. */
  from?: LogPosition;
  /**
   * Interval of the backstop check, in ms. File-system events drive the follower; the interval
   * covers file systems that do not report them. Default 1 000.
   */
  pollMs?: number;
}

interface OpenFile {
  fh: FileHandle;
  ino: number;
  offset: number;
  /** The bytes of the unterminated line at the offset, in pieces. */
  partial: Buffer[];
}

/**
 * Follows the log directory like `tail -F`: reads records appended to `zeroproc.log`, and when
 * the server rotates it, finishes the old file (found again by inode, even after several
 * rotations) before going on with the newer ones, so no record is missed or read twice.
 */
export class LogFollower {
  private readonly livePath: string;
  private current: OpenFile | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private stopped = false;
  private skippedReported = false;

  constructor(readonly dir: string, private readonly options: FollowOptions) {
    this.livePath = join(dir, LOG_FILE_NAME);
  }

  /** Starts following; resolves once the records already past the start position are emitted. */
  async start(): Promise<void> {
    const from = this.options.from;
    if (from) {
      const located = await this.locate(from.ino);
      if (located) {
        this.current = { ...located, offset: from.offset, partial: [] };
      } else {
        this.options.onWarning('the log file rotated away before it could be followed; some records were skipped');
        this.current = await this.oldestFile();
      }
    }
    this.watcher = watch(this.dir, () => this.requestCheck());
    this.watcher.on('error', (err) => this.options.onWarning(`cannot watch ${this.dir}: ${err.message}`));
    this.timer = setInterval(() => this.requestCheck(), this.options.pollMs ?? 1_000);
    this.requestCheck();
    await this.checking;
  }

  /** Stops following and closes the file. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    clearInterval(this.timer);
    await this.checking;
    await this.current?.fh.close();
    this.current = undefined;
  }

  private requestCheck(): void {
    if (this.stopped) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = (async () => {
      try {
        do {
          this.checkAgain = false;
          await this.check().catch((err: Error) => this.options.onWarning(`cannot read logs: ${err.message}`));
        } while (this.checkAgain && !this.stopped);
      } finally {
        this.checking = undefined;
      }
    })();
  }

  private async check(): Promise<void> {
    if (!this.current) {
      const fh = await open(this.livePath, 'r').catch(ignoreMissing);
      if (!fh) return;
      this.current = { fh, ino: (await fh.stat()).ino, offset: 0, partial: [] };
    }
    for (let cur: OpenFile | undefined = this.current; cur && !this.stopped; cur = this.current) {
      const live = await stat(this.livePath).catch(ignoreMissing);
      const offsetAtStat = cur.offset;
      await this.drain(cur);
      if (!live) return;
      if (live.ino === cur.ino) {
        // compared with the offset of the moment of the stat: the drain read on since
        if (live.size < offsetAtStat) {
          // truncated in place: start over
          cur.offset = 0;
          cur.partial = [];
        }
        return;
      }
      // the file was renamed before the stat above, so the drain read it to its very end
      const next = await this.successor(cur);
      await cur.fh.close();
      this.current = next;
    }
  }

  /**
   * Emits the complete lines between the offset and the end of the file. Only the bytes just
   * read are searched for line feeds, and a line still being written is kept as pieces, so a
   * long line costs its length once, not once per chunk.
   */
  private async drain(file: OpenFile): Promise<void> {
    for (;;) {
      const buf = Buffer.alloc(CHUNK);
      const { bytesRead } = await file.fh.read(buf, 0, CHUNK, file.offset);
      if (bytesRead === 0) return;
      file.offset += bytesRead;
      const data = buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        file.partial.push(data.subarray(start, nl));
        this.emit((file.partial.length === 1 ? file.partial[0]! : Buffer.concat(file.partial)).toString('utf8'));
        file.partial = [];
        start = nl + 1;
      }
      if (start < data.length) file.partial.push(data.subarray(start));
    }
  }

  private emit(line: string): void {
    if (line.trim() === '') return;
    let record: LogRecord;
    try {
      record = validateRecord(JSON.parse(line));
    } catch {
      if (!this.skippedReported) this.options.onWarning('skipped lines of the log file that are not records');
      this.skippedReported = true;
      return;
    }
    this.options.onRecord(record);
  }

  /**
   * The live file and the rotated ones, newest first, with their inodes; `settled` is false when
   * the listing caught a rotation in flight (the live file or a number missing, a file gone
   * between the listing and its stat, a file seen under two names), when it may lack a file.
   */
  private async chain(): Promise<{ files: Array<{ path: string; ino: number }>; settled: boolean }> {
    const files: Array<{ path: string; ino: number }> = [];
    const indexes = await rotatedIndexes(this.dir);
    let settled = indexes.every((n, i) => n === i + 1);
    for (const path of [this.livePath, ...indexes.map((i) => join(this.dir, `${LOG_FILE_NAME}.${i}`))]) {
      const st = await stat(path).catch(ignoreMissing);
      if (!st) settled = false;
      else if (files.some((f) => f.ino === st.ino)) settled = false;
      else files.push({ path, ino: st.ino });
    }
    return { files, settled };
  }

  /**
   * Opens the file that has inode `ino`, wherever rotation has moved it. A listing made during a
   * rotation may lack it (renamed between the listing and its stat): only a settled listing
   * without it means it is gone. Taking the oldest listed file at once skipped the records
   * written between the start position and that file when `-f` began during rotations.
   */
  private async locate(ino: number): Promise<{ fh: FileHandle; ino: number } | undefined> {
    for (let attempt = 0; attempt < SUCCESSOR_ATTEMPTS; attempt++) {
      const { files, settled } = await this.chain();
      const entry = files.find((e) => e.ino === ino);
      const opened = entry ? await this.openChecked(entry.path, entry.ino) : undefined;
      if (opened || (!entry && settled)) return opened;
    }
    return undefined;
  }

  /**
   * Opens the file written right after `file`. The listing is made name by name while the
   * writer may rotate: a file renamed meanwhile can be missed or seen twice, so a file not found
   * that still exists means "list again", not "rotated away" (taking the oldest listed file then
   * skipped whole files, or read old ones again, when rotations came back to back).
   */
  private async successor(file: OpenFile): Promise<OpenFile | undefined> {
    for (let attempt = 0; attempt < SUCCESSOR_ATTEMPTS; attempt++) {
      const { files: chain, settled } = await this.chain();
      // a listing made during a rotation may lack the very file that follows this one
      if (!settled && attempt < SUCCESSOR_ATTEMPTS - 1) continue;
      const at = chain.findIndex((e) => e.ino === file.ino);
      if (at === 0) return undefined;
      let next = chain[at - 1];
      if (at === -1) {
        if ((await file.fh.stat()).nlink > 0 && attempt < SUCCESSOR_ATTEMPTS - 1) continue;
        this.options.onWarning('the log rotated faster than it could be read; some records were skipped');
        next = chain[chain.length - 1];
      }
      if (!next) return undefined;
      const opened = await this.openChecked(next.path, next.ino);
      if (opened) return { ...opened, offset: 0, partial: [] };
    }
    return undefined;
  }

  private async oldestFile(): Promise<OpenFile | undefined> {
    const { files } = await this.chain();
    const oldest = files[files.length - 1];
    const opened = oldest ? await this.openChecked(oldest.path, oldest.ino) : undefined;
    return opened ? { ...opened, offset: 0, partial: [] } : undefined;
  }

  /** Opens `path` if it still is the file with inode `ino`. */
  private async openChecked(path: string, ino: number): Promise<{ fh: FileHandle; ino: number } | undefined> {
    const fh = await open(path, 'r').catch(ignoreMissing);
    if (!fh) return undefined;
    if ((await fh.stat()).ino === ino) return { fh, ino };
    await fh.close();
    return undefined;
  }
}
