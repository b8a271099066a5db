/**
 * Object URIs: one string names a published object or an actor of another process, and
 * `connect(uri, { authkey })` returns a proxy to it; bad URIs are refused naming what is wrong.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthError, connect, formatObjectUri, InvalidArgumentError, lookupUrl, NotFoundError, parseObjectUri, release, RPCClient,
} from '../../src/index.js';
import { setUriScheme } from '../../src/rpc/object-uri.js';
import type { Counter } from '../fixtures/rpc/counter.js';
import { startPeer, type PeerProcess } from '../helpers/peer-process.js';

const KEY = 'object-uri-test-key';
const ODD_NAME = 'odd/name #1%é';
let peer: PeerProcess;
let dir: string;
let uris: { counter: string; odd: string; ipcOdd: string; actor: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zp uris '));
  peer = await startPeer({ ZP_TEST_KEY: KEY, ZP_TEST_IPC_DIR: dir }, 'uri-server.ts');
  const client = await RPCClient.connect(peer.address, { authkey: KEY });
  try {
    const published = await client.get<typeof uris>('uris');
    uris = { counter: await published.counter, odd: await published.odd, ipcOdd: await published.ipcOdd, actor: await published.actor };
  } finally {
    client.close();
  }
});

afterAll(async () => {
  await peer.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('connect(uri)', () => {
  test('reaches a published object in another process', async () => {
    expect(uris.counter).toBe(`zp+${peer.address}/counter`);
    const counter = await connect<Counter>(uris.counter, { authkey: KEY });
    expect(await counter.add(1)).toBe(11);
    release(counter);
  });

  test('a name with "/", "#", "%", a space and non-ASCII is percent-encoded and found', async () => {
    expect(uris.odd).toBe(`zp+${peer.address}/odd%2Fname%20%231%25%C3%A9`);
    const counter = await connect<Counter>(uris.odd, { authkey: KEY });
    expect(await counter.total).toBe(20);
    release(counter);
  });

  test('an ipc path with slashes and a space is kept whole', async () => {
    expect(uris.ipcOdd).toBe(`zp+ipc://${dir.replaceAll(' ', '%20')}/rpc.sock/odd%2Fname%20%231%25%C3%A9`);
    expect(parseObjectUri(uris.ipcOdd)).toEqual({ address: `ipc://${dir}/rpc.sock`, name: ODD_NAME });
    const counter = await connect<Counter>(uris.ipcOdd, { authkey: KEY });
    expect(await counter.add(2)).toBe(22);
    release(counter);
  });

  test("an actor is named by the same rule: its url is its URI, and lookupUrl takes it too", async () => {
    expect(uris.actor).toBe(`zp+${peer.address}/greeter%201`);
    const greeter = await connect<{ greet(who: string): string }>(uris.actor, { authkey: KEY });
    expect(await greeter.greet('uri')).toBe('hello uri from greeter 1');
    release(greeter);
    const looked = await lookupUrl<new () => { greet(who: string): string }>(uris.actor, { authkey: KEY });
    expect(await looked.greet('lookup')).toBe('hello lookup from greeter 1');
    release(looked as never);
  });

  test('the actor URL form without zp+ is read as the same URI', async () => {
    const counter = await connect<Counter>(`${peer.address}/counter`, { authkey: KEY });
    expect(await counter.total).toBeGreaterThanOrEqual(10);
    release(counter);
  });

  test('an unknown name is NotFoundError naming it; a wrong key is AuthError', async () => {
    await expect(connect(formatObjectUri(peer.address, 'nothing'), { authkey: KEY })).rejects.toThrow(NotFoundError);
    await expect(connect(formatObjectUri(peer.address, 'nothing'), { authkey: KEY })).rejects.toThrow('nothing is published as "nothing" on uri-server');
    await expect(connect(uris.counter, { authkey: 'not the key', timeout: 5_000 })).rejects.toThrow(AuthError);
  });

  test('options are checked before connecting', async () => {
    await expect(connect(uris.counter, { closeWhenUnused: false } as never)).rejects.toThrow('connect: unknown option `closeWhenUnused`');
    await expect(connect(uris.counter, { timeout: 0 })).rejects.toThrow('connect: option `timeout` must be 1 to 2147483647 ms, got 0');
  });

  test('a scheme plugged in by a higher layer is dispatched to it', async () => {
    const asked: unknown[] = [];
    setUriScheme('zptest:', async (uri, options) => {
      asked.push(uri, options);
      return connect(uris.counter, options);
    });
    const counter = await connect<Counter>('zptest:counter', { authkey: KEY });
    expect(asked).toEqual(['zptest:counter', { authkey: KEY }]);
    expect(await counter.total).toBeGreaterThanOrEqual(10);
    release(counter);
  });
});

describe('parse and format', () => {
  test('round trip', () => {
    for (const [address, name] of [
      ['tcp://127.0.0.1:5555', 'counter'],
      ['tcp://[::1]:80', 'a/b'],
      ['tcp://example.org:1277', '100% sure?'],
      ['ipc:///tmp/zeroproc-0/p-1/rpc.sock', 'x'],
      ['ipc://relative/dir#1/s', 'é'],
      ['ipc://@abstract', 'y'],
    ] as const) {
      const uri = formatObjectUri(address, name);
      expect(uri).toMatch(/^zp\+(tcp|ipc):\/\/[^?#\s]+$/);
      expect(parseObjectUri(uri)).toEqual({ address, name });
    }
  });

  test.each([
    ['http://example.org/x', 'expected zp+tcp://host:port/name or zp+ipc://path/name'],
    ['zp+tcp://127.0.0.1:5555', 'names no object'],
    ['zp+tcp://127.0.0.1:5555/', 'names no object'],
    ['zp+tcp://127.0.0.1/x', 'expected host:port with a port from 1 to 65535 before the name, got "127.0.0.1"'],
    ['zp+tcp://127.0.0.1:0/x', 'a port from 1 to 65535'],
    ['zp+tcp://127.0.0.1:70000/x', 'a port from 1 to 65535'],
    ['zp+tcp://127.0.0.1:*/x', 'a port from 1 to 65535'],
    ['zp+tcp://a/b:1/x', 'got "a/b:1"'],
    ['zp+ipc:///x', 'the ipc path is empty'],
    ['zp+tcp://h:1/a?b', '"?" must be percent-encoded (%3F)'],
    ['zp+tcp://h:1/a#b', '"#" must be percent-encoded (%23)'],
    ['zp+tcp://h:1/a b', '" " must be percent-encoded (%20)'],
    ['zp+tcp://h:1/%zz', 'the name has a malformed percent-encoding'],
    ['zp+ipc:///tmp/%e9/x', 'the ipc path has a malformed percent-encoding'],
  ])('%j is refused: %s', (uri, problem) => {
    expect(() => parseObjectUri(uri)).toThrow(InvalidArgumentError);
    expect(() => parseObjectUri(uri)).toThrow(problem);
  });

  test('a bad URI given to connect or lookupUrl is refused before connecting', async () => {
    await expect(connect(42 as never)).rejects.toThrow('object URI: expected a string (zp+tcp://host:port/name or zp+ipc://path/name), got number');
    await expect(lookupUrl('zp+tcp://h:1/')).rejects.toThrow(InvalidArgumentError);
  });

  test('format refuses what no URI can name', () => {
    expect(() => formatObjectUri('tcp://127.0.0.1:*', 'x')).toThrow('a port from 1 to 65535');
    expect(() => formatObjectUri('inproc://x', 'x')).toThrow('formatObjectUri: `address` must be tcp://host:port or ipc://path, got "inproc://x"');
    expect(() => formatObjectUri('tcp://127.0.0.1:1', '')).toThrow('formatObjectUri: `name` must be a non-empty string, got ""');
  });
});
