/**
 * Feeds a plain child process's stdout or stderr to the output sink the way the spawner does
 * (line by line, through a LineSplitter), for log tests that start children without the spawner.
 */
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
