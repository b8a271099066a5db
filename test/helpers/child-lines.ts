/**
 * Feeds a plain child process's stdout or stderr to the output sink the way the spawner does
 * (line by line, through a LineSplitter), for log tests that start children without the spawner.
 */
import type { ChildProcess } from 'node:child_process';
import { LineSplitter } from '../../src/process/line-splitter.js';
import { getOutputSink } from '../../src/process/output-sink.js';

export function feedLines(stream: NodeJS.ReadableStream, name: string, pid: number, which: 'stdout' | 'stderr'): void {
  const splitter = new LineSplitter();
  const deliver = (lines: ReturnType<LineSplitter['push']>): void => {
    for (const { line, continued } of lines) {
      getOutputSink()?.({ process: name, pid, stream: which, line, time: Date.now(), ...(continued ? { continued } : {}) });
    }
  };
  stream.on('data', (chunk: Buffer) => deliver(splitter.push(chunk)));
  stream.on('end', () => deliver(splitter.end()));
}

/**
 * Children and clean-up steps of one test file, undone after each test: the children are killed,
 * then the clean-ups run, last registered first.
 */
export function perTestCleanup(afterEach: (fn: () => Promise<void>) => void): { children: ChildProcess[]; cleanups: Array<() => unknown> } {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return { children, cleanups };
}
