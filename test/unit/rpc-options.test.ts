import { expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLocalServer, InvalidArgumentError, RPCClient, RPCServer } from '../../src/index.js';

const MAX_MS = 2 ** 31 - 1;

test.each([
  [0, '0'],
  [-5, '-5'],
  [Number.NaN, 'NaN'],
  [Infinity, 'Infinity'],
  [1.5, '1.5'],
  ['5000', '"5000"'],
  [MAX_MS + 1, String(MAX_MS + 1)],
])('RPCServer.start refuses peerTimeout %p, naming it and the range', async (value, shown) => {
  await expect(RPCServer.start({ peerTimeout: value as number })).rejects.toThrow(
    new InvalidArgumentError(`RPCServer.start: option \`peerTimeout\` must be 1 to ${MAX_MS} ms, got ${shown}`),
  );
});

test('a refused option leaves nothing behind: no socket file, no server registered', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zp-options-'));
  try {
    const path = join(dir, 's.sock');
    await expect(RPCServer.start({ address: `ipc://${path}`, peerTimeout: Number.NaN })).rejects.toThrow(InvalidArgumentError);
    expect(existsSync(path)).toBe(false);
    expect(getLocalServer()).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every RPCServer.start option is checked the same way, unknown ones too', async () => {
  const refused = async (options: object): Promise<string> => ((await RPCServer.start(options).catch((e: Error) => e)) as Error).message;
  expect(await refused({ ticketTtl: Infinity })).toBe(`RPCServer.start: option \`ticketTtl\` must be 1 to ${MAX_MS} ms, got Infinity`);
  expect(await refused({ maxMessageSize: 0 })).toBe('RPCServer.start: option `maxMessageSize` must be 1 to 9007199254740975 bytes, got 0');
  expect(await refused({ maxQueuedBytes: -1 })).toBe('RPCServer.start: option `maxQueuedBytes` must be 1 to 9007199254740991 bytes, got -1');
  expect(await refused({ link: { highWaterMark: 0 } })).toBe('RPCServer.start: option `link.highWaterMark` must be 1 to 2147483647 messages, got 0');
  expect(await refused({ link: { sendTimeout: '1s' } })).toBe(`RPCServer.start: option \`link.sendTimeout\` must be 0 to ${MAX_MS} ms, got "1s"`);
  expect(await refused({ link: { maxMessageSize: 5 } })).toMatch(/^RPCServer.start: unknown option `link.maxMessageSize` \(known: highWaterMark, /);
  expect(await refused({ closeWhenIdle: 'yes' })).toBe('RPCServer.start: option `closeWhenIdle` must be true or false, got "yes"');
  expect(await refused({ name: '' })).toBe('RPCServer.start: option `name` must be a non-empty string, got ""');
  expect(await refused({ allowImport: 'node:os' })).toBe('RPCServer.start: option `allowImport` must be a list of strings and RegExps, or a function, got "node:os"');
  expect(await refused({ authkey: 42 })).toBe('RPCServer.start: option `authkey` must be a string, a Uint8Array or a CURVE keyset { server, client }, got 42');
  expect(await refused({ peertimeout: 5 })).toMatch(/^RPCServer.start: unknown option `peertimeout` \(known: address, authkey, name, /);
});

test('RPCClient.connect checks its options before connecting', async () => {
  const refused = async (options: object): Promise<string> =>
    ((await RPCClient.connect('tcp://127.0.0.1:1', options).catch((e: Error) => e)) as Error).message;
  expect(await refused({ timeout: 0 })).toBe(`RPCClient.connect: option \`timeout\` must be 1 to ${MAX_MS} ms, got 0`);
  expect(await refused({ timeout: Infinity })).toBe(`RPCClient.connect: option \`timeout\` must be 1 to ${MAX_MS} ms, got Infinity`);
  expect(await refused({ heartbeat: Number.NaN })).toBe(`RPCClient.connect: option \`heartbeat\` must be 1 to ${MAX_MS} ms, got NaN`);
  expect(await refused({ codec: 'cbor' })).toBe("RPCClient.connect: option `codec` must be 'msgpack' or 'json', got \"cbor\"");
  expect(await refused({ maxQueuedBytes: 1e300 })).toBe('RPCClient.connect: option `maxQueuedBytes` must be 1 to 9007199254740991 bytes, got 1e+300');
  expect(await refused({ link: 5 })).toBe('RPCClient.connect: option `link` must be an object, got 5');
});
