import { afterEach, expect, test } from '@jest/globals';
import { byRef, getLocalServer, spawn, type ProcessHandle } from '../../src/index.js';

let proc: ProcessHandle | undefined;
afterEach(async () => {
  await proc?.kill();
  proc = undefined;
});

test('objects a child held are freed as soon as it dies, not at the peer timeout', async () => {
  proc = await spawn({ name: 'holder' });
  const mod = await proc.import<{ hold(x: unknown): number }>(new URL('../fixtures/process/holder.mjs', import.meta.url).href);
  expect(await mod.hold(byRef({ mine: true }))).toBe(1);
  const callbacks = getLocalServer()!;
  expect(callbacks.objectCount).toBe(1);
  await proc.kill();
  // the callback server held only what the child referenced: it is freed, and closes itself
  await callbacks.closed;
  expect(callbacks.objectCount).toBe(0);
});
