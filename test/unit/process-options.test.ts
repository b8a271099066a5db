import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { BOOTSTRAP_TAG, isChildConfig, isChildMessage } from '../../src/process/bootstrap-protocol.js';
import { resolveSpawnOptions } from '../../src/process/options.js';
import { isPrivateIpc } from '../../src/transport/private-dir.js';

const defaults = { authkey: new Uint8Array(32), logServer: undefined };

describe('spawn options', () => {
  test('defaults', () => {
    const o = resolveSpawnOptions({}, defaults);
    expect(o.name).toMatch(/^child-\d+$/);
    expect(o).toMatchObject({
      cwd: process.cwd(),
      startTimeout: 10_000,
      typescript: 'auto',
      detached: false,
      preload: [],
      stderrTailLines: 20,
      watchdog: undefined,
      logServer: undefined,
    });
    expect(o.authkey).toBe(defaults.authkey);
    expect(o.restart.policy).toBe('never');
    // the child's server binds a private ipc endpoint of this process: only this uid reaches it
    expect(o.address).toMatch(/^ipc:\/\/.+\/child-[0-9a-f]{12}\.sock$/);
    expect(isPrivateIpc(o.address)).toBe(true);
  });

  test('logServer: an explicit address wins, false turns the default off', () => {
    const withServer = { ...defaults, logServer: 'tcp://127.0.0.1:9' };
    expect(resolveSpawnOptions({}, withServer).logServer).toBe('tcp://127.0.0.1:9');
    expect(resolveSpawnOptions({ logServer: false }, withServer).logServer).toBeUndefined();
    expect(resolveSpawnOptions({ logServer: 'ipc:///tmp/l' }, withServer).logServer).toBe('ipc:///tmp/l');
  });

  test.each([
    [{ name: '' }],
    [{ name: 'a\nb' }],
    [{ address: 'http://x' }],
    [{ startTimeout: 0 }],
    // a Node timer given more than 2^31 - 1 ms fires after 1 ms: the spawn would time out at once
    [{ startTimeout: 2 ** 31 }],
    [{ startTimeout: Infinity }],
    [{ callTimeout: -1 }],
    [{ typescript: 'yes' }],
    [{ authkey: '' }],
    [{ outputFile: '/tmp/x.log' }],
    [{ restart: { policy: 'sometimes' } }],
    // a string where a list belongs was spread into characters; a bad hook failed every restart
    [{ preload: './setup.js' }],
    [{ execArgv: '--max-old-space-size=100' }],
    [{ execArgv: [100] }],
    [{ env: 'A=1' }],
    [{ env: { A: 1 } }],
    [{ cwd: 42 }],
    [{ onRestart: 'rebuild' }],
  ])('rejects %j', (opts) => {
    expect(() => resolveSpawnOptions(opts as never, defaults)).toThrow(InvalidArgumentError);
  });

  test.each([
    // each of these was accepted and then hung the spawn for good (Node refused the process)
    [{ detached: 'false' }, 'spawn: option `detached` must be a boolean, got "false"'],
    [{ cwd: '/tmp\0x' }, 'spawn: option `cwd` must be a directory path without NUL bytes, got "/tmp\\u0000x"'],
    [{ env: { 'A\0B': '1' } }, 'spawn: option `env` must be an object whose keys are non-empty and hold no "=" or NUL bytes, got "A\\u0000B"'],
    [{ env: { A: 'x\0y' } }, 'spawn: option `env.A` must be a string without NUL bytes, or undefined, got "x\\u0000y"'],
    [{ env: { 'A=B': '1' } }, 'spawn: option `env` must be an object whose keys are non-empty and hold no "=" or NUL bytes, got "A=B"'],
    [{ execArgv: ['--x\0'] }, 'spawn: option `execArgv[0]` must be a string without NUL bytes, got "--x\\u0000"'],
    [{ preload: ['./a.js', 7] }, 'spawn: option `preload[1]` must be a string without NUL bytes, got 7'],
    [{ nmae: 'typo' }, 'spawn: unknown option `nmae` (known: name, cwd, env, execArgv, address, authkey, logServer, logLevel, startTimeout, callTimeout, typescript, detached, outputFile, preload, restart, onRestart, stderrTailLines, watchdog, allowImport)'],
    [{ watchdog: 1 }, 'spawn: option `watchdog` must be a boolean, got 1'],
    [{ logServer: true }, 'spawn: option `logServer` must be a tcp:// or ipc:// endpoint, or false, got true'],
    [{ logLevel: 'loud' }, 'spawn: option `logLevel` must be one of error, warn, info, http, verbose, debug, silly, got "loud"'],
    [{ callTimeout: 2 ** 31 }, 'spawn: option `callTimeout` must be 1 to 2147483647 ms, got 2147483648'],
    [{ startTimeout: Infinity }, 'spawn: option `startTimeout` must be 1 to 2147483647 ms, got Infinity'],
    [{ address: 'tcp://127.0.0.1:*\0' }, 'spawn: option `address` must be a tcp:// or ipc:// endpoint, got "tcp://127.0.0.1:*\\u0000"'],
    [{ outputFile: '/tmp/x.log' }, "spawn: option `outputFile` must be given only with detached: true (an attached child's output goes to the parent), got \"/tmp/x.log\""],
    [{ authkey: 5 }, 'spawn: option `authkey` must be a string or a Uint8Array, got 5'],
    [{ typescript: 'yes' }, "spawn: option `typescript` must be 'auto' or a boolean, got \"yes\""],
    [{ allowImport: /workers/ }, 'spawn: option `allowImport` must be a list of strings and RegExps, got /workers/'],
    [{ restart: { policy: 'sometimes' } }, "spawn: option `restart.policy` must be 'never', 'on-failure' or 'always', got \"sometimes\""],
    [{ restart: { maxRestart: 3 } }, 'spawn: unknown option `restart.maxRestart` (known: policy, maxRestarts, minUptime, backoff)'],
    [{ restart: { backoff: { intial: 5 } } }, 'spawn: unknown option `restart.backoff.intial` (known: initial, max, factor)'],
  ])('%j is refused with a message naming the option', (opts, message) => {
    expect(() => resolveSpawnOptions(opts as never, defaults)).toThrow(new InvalidArgumentError(message));
  });

  test('options that are not an object are refused', () => {
    expect(() => resolveSpawnOptions('fast' as never, defaults)).toThrow(new InvalidArgumentError('spawn: options must be an object, got "fast"'));
  });

  test('allowImport reaches the resolved options as a copy', () => {
    const rules = ['node:os', /^file:/];
    const resolved = resolveSpawnOptions({ allowImport: rules }, defaults);
    expect(resolved.allowImport).toEqual(rules);
    expect(resolved.allowImport).not.toBe(rules);
    expect(resolveSpawnOptions({}, defaults).allowImport).toBeUndefined();
  });
});

describe('bootstrap messages', () => {
  test('only tagged, well-formed messages are recognised', () => {
    expect(isChildMessage({ tag: BOOTSTRAP_TAG, type: 'ready', address: 'tcp://127.0.0.1:1', pid: 1, ownerToken: 'AAAAAAAAAAAAAAAAAAAAAA' })).toBe(true);
    expect(isChildMessage({ tag: BOOTSTRAP_TAG, type: 'ready', address: 'tcp://127.0.0.1:1', pid: 1 })).toBe(false);
    expect(isChildMessage({ tag: BOOTSTRAP_TAG, type: 'error', name: 'Error', message: 'boom', stack: undefined })).toBe(true);
    expect(isChildMessage({ type: 'ready', address: 'x', pid: 1 })).toBe(false);
    expect(isChildMessage({ tag: BOOTSTRAP_TAG, type: 'ready' })).toBe(false);
    expect(isChildMessage('ready')).toBe(false);
    const config = { tag: BOOTSTRAP_TAG, type: 'config', name: 'a', address: 'tcp://127.0.0.1:*', authkey: new Uint8Array(2), preload: [] };
    expect(isChildConfig(config)).toBe(true);
    expect(isChildConfig({ ...config, authkey: 1 })).toBe(false);
  });
});
