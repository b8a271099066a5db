/** Host options and actor class declarations are checked, with messages that name them, before anything starts. */
import { expect, test } from '@jest/globals';
import { connectHost, lookupUrl } from '../../src/actor/host.js';
import { actorDeclarations, resolveHostOptions } from '../../src/actor/options.js';
import { spawnActor } from '../../src/actor/spawn-actor.js';
import { InvalidArgumentError } from '../../src/errors.js';

test('createHost options: defaults, and every bad value named', () => {
  expect(resolveHostOptions()).toEqual({ address: undefined, authkey: undefined, name: undefined, max: Infinity, askTimeout: 10_000 });
  expect(resolveHostOptions({ mailbox: { max: 5 }, askTimeout: 200 })).toMatchObject({ max: 5, askTimeout: 200 });
  const bad: Array<[unknown, string]> = [
    [{ adress: 'tcp://x:1' }, 'createHost: unknown option "adress"'],
    [{ address: 'http://x' }, 'createHost: option `address` must be a tcp:// or ipc:// address, got "http://x"'],
    [{ name: '' }, 'createHost: option `name` must be a non-empty string, got ""'],
    [{ askTimeout: 0 }, 'createHost: option `askTimeout` must be 1 to 2147483647 ms, got 0'],
    [{ askTimeout: Infinity }, 'createHost: option `askTimeout` must be 1 to 2147483647 ms, got Infinity'],
    [{ mailbox: { max: -1 } }, 'createHost: option `mailbox.max` must be an integer >= 0, got -1'],
    [{ mailbox: { size: 3 } }, 'createHost: option `mailbox` has an unknown key "size"'],
    [{ mailbox: 3 }, 'createHost: option `mailbox` must be an object { max }, got 3'],
  ];
  for (const [options, message] of bad) {
    expect(() => resolveHostOptions(options as never)).toThrow(InvalidArgumentError);
    expect(() => resolveHostOptions(options as never)).toThrow(message);
  }
});

test('class declarations are read once and checked', () => {
  class Good {
    static tell = ['a'] as const;
    static parallel = ['b'] as const;
    static mailbox = { max: 3 };
    static onError = 'restart' as const;
  }
  const d = actorDeclarations(Good);
  expect([...d.tells]).toEqual(['a']);
  expect([...d.parallel]).toEqual(['b']);
  expect(d).toMatchObject({ reentrant: false, max: 3, onError: 'restart' });
  expect(actorDeclarations(Good)).toBe(d);
  expect(actorDeclarations(class Plain {})).toMatchObject({ reentrant: false, max: undefined, onError: 'resume' });
  const bad: Array<[object, string]> = [
    [class T { static tell = 'a'; }, 'actor class T: `static tell` must be an array of method names, got "a"'],
    [class P { static parallel = [1]; }, 'actor class P: `static parallel` must be an array of method names, got [1]'],
    [class R { static reentrant = 'yes'; }, 'actor class R: `static reentrant` must be a boolean, got "yes"'],
    [class E { static onError = 'retry'; }, "actor class E: `static onError` must be 'resume', 'restart' or 'stop', got \"retry\""],
    [class M { static mailbox = { max: 1.5 }; }, 'actor class M: `static` `mailbox.max` must be an integer >= 0, got 1.5'],
  ];
  for (const [Class, message] of bad) expect(() => actorDeclarations(Class as never)).toThrow(message);
});

test('spawnActor checks its options before it starts a process', async () => {
  await expect(spawnActor('./x.js#X', { restrat: 'always' } as never)).rejects.toThrow('spawnActor: unknown option "restrat"');
  await expect(spawnActor('./x.js#X', { args: 'a' as never })).rejects.toThrow('spawnActor: option `args` must be an array, got string');
  await expect(spawnActor('./x.js#X', { name: 'a/b' })).rejects.toThrow('spawnActor: option `name` must be a non-empty string without "/", got "a/b"');
  await expect(spawnActor('')).rejects.toThrow("spawnActor: `specifier` must be 'module#Export', got \"\"");
});

test('connectHost and lookupUrl check their options and URL before connecting', async () => {
  await expect(connectHost('tcp://127.0.0.1:1', { authKey: 'x' } as never)).rejects.toThrow('connectHost: unknown option "authKey"');
  await expect(lookupUrl('tcp://127.0.0.1:1/a', { timeout: -1 })).rejects.toThrow('lookupUrl: option `timeout` must be 1 to 2147483647 ms, got -1');
  await expect(lookupUrl('tcp://127.0.0.1:1')).rejects.toThrow('lookupUrl: expected tcp://host:port/id or ipc://path/id, got "tcp://127.0.0.1:1"');
  await expect(connectHost(42 as never)).rejects.toThrow('connectHost: expected a process handle or an address, got number');
});
