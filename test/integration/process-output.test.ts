import { afterEach, expect, test } from '@jest/globals';
import { ProcessExitedError, spawn, withOptions, type ProcessHandle } from '../../src/index.js';
import { setOutputSink, type ChildLine } from '../../src/process/output-sink.js';

let proc: ProcessHandle | undefined;
afterEach(async () => {
  setOutputSink(undefined);
  await proc?.kill();
  proc = undefined;
});

test('lines a child writes just before process.exit() all arrive, even when the parent reads late', async () => {
  const lines: ChildLine[] = [];
  setOutputSink((l) => lines.push(l));
  proc = await spawn({ name: 'burst' });
  const mod = await proc.import<{ burstAndExit(n: number, code: number): never }>(new URL('../fixtures/process/burst.mjs', import.meta.url).href);
  const exited = proc.wait();
  withOptions(mod, { mode: 'off' }).burstAndExit(3000, 3);
  // Keep this process from reading the child's pipes while it writes: the pipe buffer fills,
  // and a child writing without blocking would still hold the rest when it exits.
  const until = Date.now() + 1000;
  while (Date.now() < until) {
    // busy on purpose
  }
  expect(await exited).toEqual({ code: 3, signal: null });
  const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
  expect(out).toHaveLength(3000);
  expect(out[0]).toBe('line 0');
  expect(out[2999]).toBe('line 2999');
  expect(lines.every((l) => l.process === 'burst')).toBe(true);
  await expect(mod.burstAndExit(1, 0)).rejects.toThrow(ProcessExitedError);
});
