import { afterEach, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, startLogServer, withOptions, type LogRecord, type LogServer, type ProcessHandle } from '../../src/index.js';

let proc: ProcessHandle | undefined;
let logs: LogServer | undefined;
const dir = mkdtempSync(join(tmpdir(), 'zeroproc-diag-'));
afterEach(async () => {
  await proc?.kill();
  await logs?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an 'off' call that throws in a child is logged there as one error record with its stack", async () => {
  logs = await startLogServer({ dir, console: false });
  const errors: LogRecord[] = [];
  const arrived = new Promise<void>((resolve) =>
    logs!.onRecords((records) => {
      for (const r of records) if (r.level === 'error' && r.process === 'thrower') errors.push(r);
      if (errors.length > 0) resolve();
    }),
  );
  proc = await spawn({ name: 'thrower' });
  const mod = await proc.import<{ explode(what: string): never }>(new URL('../fixtures/log/off-thrower.mjs', import.meta.url).href);
  withOptions(mod, { mode: 'off' }).explode('on purpose');
  await arrived;
  expect(errors).toHaveLength(1);
  expect(errors[0]!.stream).toBe('log');
  expect(errors[0]!.msg).toContain("'off' call of explode failed (called by ");
  expect(errors[0]!.stack).toContain('RangeError: exploded: on purpose');
  expect(errors[0]!.stack).toContain('off-thrower.mjs');
});
