/**
 * Capabilities, tried as an attacker holding the key would (issue 11, item 3 and the rights part
 * of item 4): guessed object ids, a stolen ticket, a proxy into a restarted server, and a
 * compromised child going after its sibling and its parent.
 */
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setDiagnosticSink } from '../../src/diagnostics.js';
import { NotFoundError } from '../../src/errors.js';
import { getLocalServer, RPCClient, RPCServer, spawn, type ProcessHandle, type Remote } from '../../src/index.js';
import type { RefWire } from '../../src/wire/refs.js';
import { Counter } from '../fixtures/rpc/counter.js';
import { startPeer, type PeerProcess } from '../helpers/peer-process.js';

const KEY = 'capabilities-test-key';

type Outcome = { ok: true; value: unknown } | { ok: false; error: string; message: string };

interface Intruder {
  label(): string;
  serverId(): string;
  guess(address: string, serverId: string, ids: (string | number)[]): Outcome[];
  claimRef(ref: RefWire): number;
  callHeld(i: number, method: string, ...args: unknown[]): Outcome;
  releaseHeld(): void;
}

const peers: PeerProcess[] = [];
const servers: RPCServer[] = [];
const clients: RPCClient[] = [];
const handles: ProcessHandle[] = [];
let dir: string | undefined;
/** What this process reported (a passing test prints nothing). */
let reports: string[] = [];

beforeEach(() => {
  reports = [];
  setDiagnosticSink((level, message) => void reports.push(`${level} ${message}`));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(handles.splice(0).map((h) => h.kill()));
  // servers first: their goodbyes go to peers still alive
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(peers.splice(0).map((p) => p.kill()));
  setDiagnosticSink(undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function intruder(env: Record<string, string> = {}): Promise<{ peer: PeerProcess; remote: Remote<Intruder>; client: RPCClient }> {
  const peer = await startPeer({ ZP_TEST_KEY: KEY, ...env }, 'intruder.ts');
  peers.push(peer);
  const client = await RPCClient.connect(peer.address, { authkey: KEY, codec: 'json' });
  clients.push(client);
  return { peer, remote: await client.get<Intruder>('intruder'), client };
}

async function victim(): Promise<{ server: RPCServer; client: RPCClient }> {
  const server = await RPCServer.start({ name: 'victim', authkey: KEY });
  servers.push(server);
  const client = await RPCClient.connect(server.address, { authkey: KEY });
  clients.push(client);
  return { server, client };
}

test('a second key holder cannot reach objects it was never given, whatever ids it tries', async () => {
  const { server, client } = await victim();
  server.publish('vault', { open: () => 'secret' });
  const vault = await client.get<{ open(): string }>('vault');
  expect(await vault.open()).toBe('secret');

  const { remote } = await intruder();
  const small = Array.from({ length: 20 }, (_, i) => i + 1);
  const shaped = ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAQ', '1', '0'];
  const outcomes = await remote.guess(server.advertisedAddress, server.id, [...small, ...shaped]);
  expect(outcomes.filter((o) => o.ok)).toEqual([]);
  for (const o of outcomes) expect(o).toMatchObject({ ok: false, error: expect.stringMatching(/^(NotFoundError|ProtocolError)$/) });
});

test('a ticket claimed by anyone but its recipient stays for the recipient, whose reference keeps working', async () => {
  const { server } = await victim();
  const [thief, recipient] = await Promise.all([intruder(), intruder()]);
  // a reference to a counter travelling to `recipient`, and its ticket seen by `thief` too
  const { obj, ticket } = server.table.issueTicket(new Counter(10), await recipient.remote.serverId());
  const ref: RefWire = { server: server.id, address: server.advertisedAddress, obj, ticket, path: [], callable: false, name: 'Counter' };

  await thief.remote.claimRef(ref);
  expect(await thief.remote.callHeld(0, 'add', 1)).toMatchObject({ ok: false, error: 'NotFoundError' });
  await thief.remote.releaseHeld();
  expect(server.objectCount).toBe(1);
  expect(reports).toContainEqual(expect.stringMatching(/^warn victim: refused intruder \(pid \d+ on .+\) a ticket issued for another process/));

  await recipient.remote.claimRef(ref);
  expect(await recipient.remote.callHeld(0, 'add', 5)).toEqual({ ok: true, value: 15 });
  await recipient.remote.releaseHeld();
  expect(server.objectCount).toBe(0);
});

test('a proxy into a server that was restarted on the same address fails with NotFoundError, never reaching the new objects', async () => {
  dir = mkdtempSync(join(tmpdir(), 'zeroproc-restart-'));
  const address = `ipc://${join(dir, 'example.sock')}`;
  const first = await intruder({ ZP_TEST_ADDRESS: address, ZP_TEST_NAME: 'example.autoreconnect' });
  expect(await first.remote.label()).toBe('example.autoreconnect');
  await first.peer.kill();

  const second = await intruder({ ZP_TEST_ADDRESS: address, ZP_TEST_NAME: 'example.other' });
  expect(await second.remote.label()).toBe('example.other');
  // the old client reconnects to the new server on its own; the old proxy must not follow it
  const outcome = first.remote.label();
  await expect(outcome).rejects.toThrow(NotFoundError);
  await expect(outcome).rejects.toThrow(/^proxy to Intruder: object \S+ belonged to a previous instance of the server at ipc:\/\/\S+example\.sock /);
});

test('a compromised child can call what it was handed, and can neither import in nor close its sibling or its parent', async () => {
  const [a, b] = await Promise.all([spawn({ name: 'sibling-a' }), spawn({ name: 'sibling-b' })]);
  handles.push(a, b);
  const counters = await a.import<typeof import('../fixtures/rpc/counter.js')>(new URL('../fixtures/rpc/counter.ts', import.meta.url).href);
  const counter = await new counters.Counter(1);
  const sibling = await b.import<typeof import('../fixtures/process/sibling.mjs')>(new URL('../fixtures/process/sibling.mjs', import.meta.url).href);
  expect(await sibling.keep(counter)).toBe(true);
  // a callback starts this process's callback server: one more server the child can reach
  expect(await sibling.keep(() => 'pong')).toBe(true);
  const callbacks = getLocalServer()!;
  expect(await sibling.keep(counter)).toBe(true);

  for (const target of [a.address, callbacks.advertisedAddress]) {
    const outcome = await sibling.attack(target);
    expect(outcome.import).toMatch(/^AuthError ERR_AUTH: importing "node:fs" on \S+ is not allowed to sibling-b/);
    expect(outcome.close).toMatch(/^AuthError ERR_AUTH: closing the server on \S+ is not allowed to sibling-b/);
  }
  expect(a.state).toBe('running');
  expect(await sibling.useGiven(2)).toBe(3);
  expect(await counter.add(1)).toBe(4);
  // the parent, its owner, still may
  const os = await a.import<typeof import('node:os')>('node:os');
  expect(typeof (await os.hostname())).toBe('string');
  expect((await a.stop({ timeout: 5_000 })).code).toBe(0);
}, 30_000);
