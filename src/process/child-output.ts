/**
 * Parent side of a child's stdout and stderr: cut into whole lines, handed to the log server's
 * sink when one is registered (else printed with a `[name:pid]` prefix), and the last stderr
 * lines kept for the error that reports the child's exit.
 */
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';
import { getOutputSink } from './output-sink.js';

/** Reads one child's output; {@link stderrTail} is what an exit error quotes. */
export class ChildOutput {
  private readonly tail: string[] = [];
  private readonly tailLines: number;
  private readonly name: string;
  private readonly pid: number;
  /** Settles when both streams ended (or there were none). */
  readonly ended: Promise<void>;

  constructor(opts: { name: string; pid: number; stdout: Readable | null; stderr: Readable | null; tailLines: number }) {
    this.name = opts.name;
    this.pid = opts.pid;
    this.tailLines = opts.tailLines;
    this.ended = Promise.all([this.follow(opts.stdout, 'stdout'), this.follow(opts.stderr, 'stderr')]).then(() => undefined);
  }

  /** The last stderr lines, oldest first. */
  stderrTail(): string[] {
    return [...this.tail];
  }

  private follow(stream: Readable | null, which: 'stdout' | 'stderr'): Promise<void> {
    if (!stream) return Promise.resolve();
    const splitter = new LineSplitter();
    stream.on('data', (chunk: Buffer) => {
      for (const { line, continued } of splitter.push(chunk)) this.emit(which, line, continued);
    });
    // a read error ends the output as an end does ('close' follows it); unheard, it would throw
    // in the parent
    stream.on('error', () => undefined);
    // the pipes must not keep the parent alive: only a handle's wait() does
    (stream as Readable & { unref?: () => void }).unref?.();
    return new Promise((resolve) => {
      stream.once('close', () => {
        for (const { line, continued } of splitter.end()) this.emit(which, line, continued);
        resolve();
      });
    });
  }

  private emit(stream: 'stdout' | 'stderr', line: string, continued: boolean): void {
    if (stream === 'stderr' && this.tailLines > 0) {
      this.tail.push(line);
      if (this.tail.length > this.tailLines) this.tail.shift();
    }
    const sink = getOutputSink();
    if (sink) {
      sink({ process: this.name, pid: this.pid, stream, line, time: Date.now(), ...(continued ? { continued } : {}) });
    } else {
      (stream === 'stdout' ? process.stdout : process.stderr).write(`[${this.name}:${this.pid}] ${line}\n`);
    }
  }
}
