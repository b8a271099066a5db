import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { BOOTSTRAP_TAG, isChildConfig, isChildMessage } from '../../src/process/bootstrap-protocol.js';
import { resolveSpawnOptions } from '../../src/process/options.js';

const defaults = { authkey: new Uint8Array(32), logServer: undefined };

describe('spawn options', () => {
  test('defaults', () => {
    const o = resolveSpawnOptions({}, defaults);
    expect(o.name).toMatch(/^child-\d+$/);
    expect(o).toMatchObject({
      cwd: process.cwd(),
      address: 'tcp://127.0.0.1:*',
      startTimeout: 10_000,
      typescript: 'auto',
      detached: false,
      preload: [],
      stderrTailLines: 20,
      watchdog: false,
      logServer: undefined,
    });
    expect(o.authkey).toBe(defaults.authkey);
    expect(o.restart.policy).toBe('never');
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
