/**
 * Appends lines to `<dir>/zeroproc.log` with size rotation, behind a memory queue so that a slow
 * disk never holds up whoever produces the lines.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { flushAtExit } from './exit-flush.js';

/** Name of the live log file inside the log directory; rotated files get `.1`, `.2`, ... */
export const LOG_FILE_NAME = 'zeroproc.log';

/** Mode of a log directory zeroproc creates: the records are this user's alone. */
export const LOG_DIR_MODE = 0o700;
/** Mode of the log files (the live one is created so, and rotation keeps it). */
export const LOG_FILE_MODE = 0o600;

/** Indexes of the rotated files in `dir` (`zeroproc.log.1` is 1), ascending. */
export async function rotatedIndexes(dir: string): Promise<number[]> {
  const prefix = `${LOG_FILE_NAME}.`;
  return (await readdir(dir))
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/**
 * Makes an existing log directory that lets other users in (group or other permissions) private
 * when it is plainly a log directory of this user: owned by this uid and holding nothing but log
 * files and dotfiles (a fresh clone's `logs/` with its `.gitkeep`). Any other such directory is
 * left as it is (it may be shared on purpose), and the returned warning says so; undefined when
 * there is nothing to say.
 */
export async function secureLogDirectory(dir: string): Promise<string | undefined> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory() || (st.mode & 0o077) === 0) return undefined;
  const entries = await readdir(dir);
  if (st.uid === process.getuid?.() && entries.every((n) => n.startsWith('.') || n.startsWith(LOG_FILE_NAME))) {
    await chmod(dir, LOG_DIR_MODE);
    return undefined;
  }
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  return `log directory ${dir} is open to other users (mode ${mode}); the log files are 0600, but \`chmod 700 ${dir}\` keeps their names and sizes private too`;
}

/** Size rotation settings. */
export interface RotateOptions {
  /** Size in bytes past which the live file is rotated. Default 10 MiB. */
  maxBytes?: number;
  /** How many rotated files (`zeroproc.log.1` newest ... `.N` oldest) are kept. Default 5. */
  maxFiles?: number;
}

/** {@link RotateOptions} with the defaults filled in; no rotation is `maxBytes: Infinity`. */
export interface ResolvedRotation {
  maxBytes: number;
  maxFiles: number;
}

/**
 * Fills in and checks rotation settings. A bad value throws {@link InvalidArgumentError} naming
 * it: unchecked, a negative or non-numeric `maxBytes` rotated before every line and left only
 * the last few lines on disk.
 */
export function resolveRotation(rotate: RotateOptions | false | undefined): ResolvedRotation {
  if (rotate === false) return { maxBytes: Infinity, maxFiles: 0 };
  if (rotate !== undefined && (typeof rotate !== 'object' || rotate === null)) {
    throw new InvalidArgumentError(`rotate must be an object or false, got ${String(rotate)}`);
  }
  const maxBytes = rotate?.maxBytes ?? 10 * 1024 * 1024;
  const maxFiles = rotate?.maxFiles ?? 5;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new InvalidArgumentError(`rotate.maxBytes must be a positive integer (bytes), got ${String(maxBytes)}`);
  }
  if (!Number.isSafeInteger(maxFiles) || maxFiles < 0) {
    throw new InvalidArgumentError(`rotate.maxFiles must be an integer >= 0, got ${String(maxFiles)}`);
  }
  return { maxBytes, maxFiles };
}

/** Options of {@link RotatingFile}. */
export interface RotatingFileOptions {
  /** Rotation settings, or `false` to let the file grow. */
  rotate?: RotateOptions | false;
  /** Bytes the queue may hold while the disk lags; beyond that lines are dropped. Default 64 MiB. */
  maxPendingBytes?: number;
  /** Makes the line that reports `count` dropped lines (it is written in their place). */
  dropNotice: (count: number) => string;
  /** Told about a failed write (once per failure streak); the lines of that write are lost. */
  onError: (err: Error) => void;
  /**
   * Told when writing works again after a failure streak: `lost` lines were not written, the
   * first failure was `err`. What it logs is written to the file too.
   */
  onRecovered?: (lost: number, err: Error) => void;
}

/**
 * The live log file and its rotated predecessors. Lines are written in the order given; a file
 * never grows past `maxBytes` unless a single line is larger.
 */
export class RotatingFile {
  /** Path of the live file. */
  readonly path: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly maxPendingBytes: number;
  private readonly options: RotatingFileOptions;
  private pending: string[] = [];
  private pendingSizes: number[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private handle: FileHandle | undefined;
  /** Inode of the file {@link handle} is open on. */
  private ino = 0;
  private size = 0;
  private writing: Promise<void> | undefined;
  /** The first error of the current failure streak, and the lines lost since it began. */
  private failure: Error | undefined;
  private lost = 0;
  /** The lines the write loop took from the queue, and how many of them it has written. */
  private batch: string[] = [];
  private batchWritten = 0;
  /** Ends the write of this file's queued lines at process exit (it is closed). */
  private readonly stopFlushAtExit: () => void;

  constructor(readonly dir: string, options: RotatingFileOptions) {
    this.path = join(dir, LOG_FILE_NAME);
    this.options = options;
    ({ maxBytes: this.maxBytes, maxFiles: this.maxFiles } = resolveRotation(options.rotate));
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024 * 1024;
    this.stopFlushAtExit = flushAtExit(this);
  }

  /** Lines lost since writing began to fail; 0 while it works. */
  get unwritten(): number {
    return this.lost;
  }

  /** Queues one line (it must end with `\n`); returns at once. */
  append(line: string): void {
    const size = Buffer.byteLength(line);
    if (this.pendingBytes + size > this.maxPendingBytes) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      const notice = this.options.dropNotice(this.dropped);
      this.dropped = 0;
      this.push(notice, Buffer.byteLength(notice));
    }
    this.push(line, size);
    this.writing ??= this.writeLoop();
  }

  /** Resolves when every line queued so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.stopFlushAtExit();
    await this.handle?.close();
    this.handle = undefined;
  }

  /**
   * Writes every line not yet written, synchronously; called at process exit. After
   * `process.exit()` or an uncaught exception the event loop never runs the write loop again,
   * and the lines logged last, usually the ones that say what went wrong, never reached the
   * file. Appends to the live file without rotating (the next writer rotates). A write the loop
   * had already started but not seen finish is written again: a line may appear twice, rather
   * than not at all.
   */
  flushSync(): void {
    const lines = [...this.batch.slice(this.batchWritten), ...this.pending];
    this.batch = [];
    this.pending = [];
    this.pendingSizes = [];
    this.pendingBytes = 0;
    if (lines.length === 0) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: LOG_DIR_MODE });
      const fd = openSync(this.path, 'a', LOG_FILE_MODE);
      try {
        const data = Buffer.from(lines.join(''));
        for (let done = 0, n = -1; done < data.length && n !== 0; done += n) n = writeSync(fd, data, done);
      } finally {
        closeSync(fd);
      }
    } catch {
      // the process is ending: there is nowhere left to report it
    }
  }

  private push(line: string, size: number): void {
    this.pending.push(line);
    this.pendingSizes.push(size);
    this.pendingBytes += size;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const lines = this.pending;
        const sizes = this.pendingSizes;
        this.pending = [];
        this.pendingSizes = [];
        this.pendingBytes = 0;
        this.batch = lines;
        this.batchWritten = 0;
        try {
          await this.writeLines(lines, sizes);
          if (this.failure) this.recovered();
        } catch (err) {
          await this.handle?.close().catch(() => undefined);
          this.handle = undefined;
          this.lost += lines.length - this.batchWritten;
          if (!this.failure) {
            this.failure = err as Error;
            this.options.onError(err as Error);
          }
        } finally {
          this.batch = [];
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private recovered(): void {
    const { failure, lost } = this;
    this.failure = undefined;
    this.lost = 0;
    this.options.onRecovered?.(lost, failure!);
  }

  /** Writes lines in as few writes as rotation allows. */
  private async writeLines(lines: string[], sizes: number[]): Promise<void> {
    let i = 0;
    while (i < lines.length) {
      await this.followOtherWriters();
      if (!this.handle) await this.openLive();
      let bytes = 0;
      let j = i;
      while (j < lines.length && (this.size + bytes + sizes[j]! <= this.maxBytes || (j === i && this.size === 0))) {
        bytes += sizes[j]!;
        j++;
      }
      if (j === i) {
        await this.rotate();
        continue;
      }
      const data = Buffer.from(j - i === 1 ? lines[i]! : lines.slice(i, j).join(''));
      let done = 0;
      try {
        // a write on a nearly full disk can be short without failing: the rest must go too
        while (done < data.length) {
          const { bytesWritten } = await this.handle!.write(data, done);
          if (bytesWritten === 0) throw new Error(`write to ${this.path} made no progress`);
          done += bytesWritten;
        }
      } finally {
        this.size += done;
        // the lines that reached the file whole count as written, however the write ended
        while (i < j && sizes[i]! <= done) done -= sizes[i++]!;
        this.batchWritten = i;
      }
    }
  }

  /**
   * Another writer on the same directory (a second LogServer, in this process or another) may
   * have rotated the live file or appended to it since our last write: without a look, our
   * lines would go on into a rotated file (where `zeroproc logs -f` no longer reads) and the
   * sizes would not add up. Closes the handle when the path names another file now, and takes
   * the size from the file itself. (Between this look and the write another writer can still
   * rotate; that window is a few microseconds, not the rest of the run.)
   */
  private async followOtherWriters(): Promise<void> {
    if (!this.handle) return;
    const live = await stat(this.path).catch(ignoreMissing);
    if (live && live.ino === this.ino) {
      this.size = live.size;
      return;
    }
    await this.handle.close();
    this.handle = undefined;
  }

  private async openLive(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: LOG_DIR_MODE });
    // 'a+' rather than 'a': the last byte is read back below
    this.handle = await open(this.path, 'a+', LOG_FILE_MODE);
    let mode: number;
    ({ ino: this.ino, size: this.size, mode } = await this.handle.stat());
    // a file an older version (or a lax umask) left open to others holds the same records
    if ((mode & 0o077) !== 0) await this.handle.chmod(LOG_FILE_MODE);
    await this.endPartialLine();
  }

  /**
   * A file left ending in the middle of a line (its writer was killed mid-write, or the disk
   * filled up) gets a line feed first: else the next line would be glued to that fragment and
   * both lost to readers as one malformed line.
   */
  private async endPartialLine(): Promise<void> {
    if (this.size === 0) return;
    const last = Buffer.alloc(1);
    await this.handle!.read(last, 0, 1, this.size - 1);
    if (last[0] === 0x0a) return;
    await this.handle!.write('\n');
    this.size += 1;
  }

  /**
   * `zeroproc.log` becomes `.1`, `.1` becomes `.2`, ...; the rename onto `.maxFiles` drops the
   * oldest. Only files that exist are renamed: counting down from `maxFiles` took a rename per
   * possible index, and a huge `maxFiles` spun the CPU on every rotation.
   */
  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    if (this.maxFiles === 0) {
      await unlink(this.path).catch(ignoreMissing);
    } else {
      const existing = (await rotatedIndexes(this.dir)).filter((k) => k < this.maxFiles).reverse();
      for (const k of existing) {
        await rename(`${this.path}.${k}`, `${this.path}.${k + 1}`).catch(ignoreMissing);
      }
      await rename(this.path, `${this.path}.1`).catch(ignoreMissing);
    }
    await this.openLive();
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): undefined {
  if (err.code !== 'ENOENT') throw err;
  return undefined;
}
