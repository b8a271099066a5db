import { afterEach, expect, test } from '@jest/globals';
import { ensureLocalServer, getLocalServer, RPCServer, setDefaultAuthkey, spawn, type ProcessHandle } from '../../src/index.js';

let proc: ProcessHandle | undefined;
let mine: RPCServer | undefined;
afterEach(async () => {
  await proc?.kill();
  await mine?.close();
  await getLocalServer()?.close();
  proc = mine = undefined;
});

test('a user\u2019s own keyed server does not become the callback server: a child\u2019s callback reaches the parent', async () => {
  mine = await RPCServer.start({ name: 'mine', authkey: 'a key of the user\u2019s own' });
  proc = await spawn({ name: 'calls-back' });
  const mod = await proc.import<{ callBack(fn: (x: number) => number, x: number): number }>(
    new URL('../fixtures/rpc/calls-back.mjs', import.meta.url).href,
  );
  // the child calls back with the spawner's key: a server with the user's key would refuse it
  expect(await mod.callBack((x) => x * 2, 21)).toBe(42);
  expect(getLocalServer()).toBeDefined();
  expect(getLocalServer()).not.toBe(mine);
});

test('a callback server started with an older default key is not used for new callbacks', async () => {
  setDefaultAuthkey('first key');
  try {
    const first = await ensureLocalServer();
    expect(await ensureLocalServer()).toBe(first);
    setDefaultAuthkey('second key');
    const second = await ensureLocalServer();
    expect(second).not.toBe(first);
    expect(getLocalServer()).toBe(second);
    await first.close();
  } finally {
    setDefaultAuthkey(undefined);
  }
});
