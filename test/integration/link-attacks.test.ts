/**
 * Strangers and eavesdroppers against zeroproc's links: a process with no key flooding garbage
 * and resetting connections must crash nothing; bytes recorded from a keyed TCP link must run
 * nothing when replayed, on another connection or on the same one; a process of another uid must
 * not even reach a private ipc socket.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawn as spawnRaw, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Dealer } from 'zeromq';
import { deriveCurveKeys, ensureLocalServer, RPCClient, RPCServer, setDiagnosticSink, spawn, type ProcessHandle } from '../../src/index.js';
import { bindZapEndpoint } from '../../src/transport/zap.js';
import { attack } from '../helpers/link-attacker.js';
import { eventually } from '../helpers/eventually.js';
import { alive } from '../fixtures/process/proc-util.js';

const KEY = 'link attack test key';
const diagnostics: string[] = [];
beforeEach(() => setDiagnosticSink((_level, message) => diagnostics.push(message)));
afterEach(() => {
  setDiagnosticSink(undefined);
  diagnostics.length = 0;
});

// first in the file, so no server of this file has a handler; but jest runs files one after
// another in one worker, whose ZeroMQ context the previous file's copy of zeroproc shares, and its
// last handler lets go of the name just after that file ended (CI: "Address already in use"):
// bound as zeroproc binds its own, waiting that moment out
describe('the ZAP handler', () => {
  test('a ZAP handler someone else bound in this process is a clear error, not a server whose admission it decides', async () => {
    const foreign = await bindZapEndpoint();
    try {
      await expect(RPCServer.start({ address: 'tcp://127.0.0.1:*', authkey: KEY })).rejects.toThrow(/could not start zeroproc's ZAP handler at inproc:\/\/zeromq\.zap\.01 \(is another ZAP handler bound in this process\?\)/);
    } finally {
      await foreign.unbind('inproc://zeromq.zap.01');
      foreign.close();
    }
  });
});

describe('a stranger flooding garbage and resetting connections', () => {
  const fixture = fileURLToPath(new URL('../fixtures/rpc/attack-target.ts', import.meta.url));
  let target: ChildProcess | undefined;
  const stderr: string[] = [];

  afterAll(async () => {
    if (target && target.exitCode === null && target.signalCode === null) {
      const exited = once(target, 'exit');
      target.stdin!.end();
      await exited;
    }
  });

  test('crashes neither a keyed TCP server, nor a spawned child, nor a callback server; all still answer', async () => {
    target = spawnRaw(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, NODE_OPTIONS: '', ZP_TEST_KEY: KEY },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    target.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    const exited = once(target, 'exit');
    const [line] = (await Promise.race([
      once(createInterface({ input: target.stdout! }), 'line'),
      exited.then(([code, signal]) => {
        throw new Error(`the target exited (${code ?? signal}) before it started: ${stderr.join('')}`);
      }),
    ])) as [string];
    const info = JSON.parse(line) as { pid: number; childPid: number; tcp: string; child: string; callbacks: string };
    expect(info.tcp).toMatch(/^tcp:/);
    expect(info.child).toMatch(/^ipc:/);
    expect(info.callbacks).toMatch(/^ipc:/);

    const connected = await Promise.all([info.tcp, info.child, info.callbacks].map((a) => attack(a, 2_500)));
    for (const n of connected) expect(n).toBeGreaterThan(20);

    const why = () => `target stderr:\n${stderr.join('')}`;
    expect({ target: alive(info.pid), child: alive(info.childPid), why: alive(info.pid) ? '' : why() }).toEqual({ target: true, child: true, why: '' });
    const client = await RPCClient.connect(info.tcp, { authkey: KEY });
    try {
      const remote = await client.get<{ viaChild(): Promise<number>; viaCallback(x: number): Promise<number> }>('target');
      expect(await remote.viaChild()).toBe(info.childPid);
      expect(await remote.viaCallback(21)).toBe(42);
    } finally {
      client.close();
    }
  }, 60_000);
});

/**
 * A TCP proxy between a client and a server that records what the client sends, each chunk as
 * it arrived, and can inject bytes towards the server on the live connection.
 */
class RecordingProxy {
  readonly chunks: Buffer[] = [];
  private server!: Server;
  private upstream: Socket | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  static async start(serverPort: number): Promise<RecordingProxy> {
    const proxy = new RecordingProxy();
    proxy.server = createServer((downstream) => {
      const upstream = connect(serverPort, '127.0.0.1');
      proxy.upstream = upstream;
      for (const s of [downstream, upstream]) {
        proxy.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => proxy.sockets.delete(s));
      }
      downstream.on('data', (d: Buffer) => {
        proxy.chunks.push(Buffer.from(d));
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => downstream.write(d));
      downstream.on('close', () => upstream.destroy());
      upstream.on('close', () => downstream.destroy());
    });
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** Writes `bytes` to the server on the client's live connection. */
  inject(bytes: Buffer): void {
    this.upstream!.write(bytes);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Sends `bytes` to a fresh connection to `port` and keeps it open `ms` (a replay needs answers to go on). */
async function replay(port: number, bytes: Buffer[], ms: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await once(socket, 'connect');
  for (const b of bytes) socket.write(b);
  await new Promise((r) => setTimeout(r, ms));
  socket.destroy();
}

describe('replay and tampering on a keyed TCP link', () => {
  let server: RPCServer;
  let proxy: RecordingProxy;
  let victim: RPCClient;
  const counter = { runs: 0, hit(): number { return ++this.runs; } };

  beforeEach(async () => {
    counter.runs = 0;
    server = await RPCServer.start({ address: 'tcp://127.0.0.1:*', authkey: KEY, name: 'replayed' });
    server.publish('counter', counter);
    proxy = await RecordingProxy.start(Number(server.address.split(':').pop()));
    victim = await RPCClient.connect(`tcp://127.0.0.1:${proxy.port}`, { authkey: KEY, timeout: 3_000 });
  });
  afterEach(async () => {
    victim.close();
    await proxy.close();
    await server.close();
  });

  test('a recorded stream replayed on a new connection runs nothing, and the victim keeps its session', async () => {
    const remote = await victim.get<typeof counter>('counter');
    for (let i = 1; i <= 3; i++) expect(await remote.hit()).toBe(i);
    const recorded = [...proxy.chunks];
    // as one piece and chunk by chunk, with time for the server to answer in between
    const port = Number(server.address.split(':').pop());
    await replay(port, [Buffer.concat(recorded)], 300);
    await replay(port, recorded, 300);
    expect(counter.runs).toBe(3);
    expect(await remote.hit()).toBe(4);
  });

  test('a captured request injected again into the victim\u2019s own connection is not run twice', async () => {
    const remote = await victim.get<typeof counter>('counter');
    expect(await remote.hit()).toBe(1);
    const before = proxy.chunks.length;
    expect(await remote.hit()).toBe(2);
    const request = Buffer.concat(proxy.chunks.slice(before));
    proxy.inject(request);
    // the duplicate is refused (a CURVE nonce is accepted once per connection): the server drops
    // that connection and says so; whatever the client does next, the request ran once
    await eventually(() => diagnostics.some((m) => /replayed: refused a connection|replayed: dropped/.test(m)) || counter.runs > 2, 5_000, 'a reaction to the duplicate');
    expect(counter.runs).toBe(2);
  });
});

describe('ROUTER handover', () => {
  test('a connection naming a live client\u2019s routing id does not take over its session', async () => {
    const server = await RPCServer.start({ address: 'tcp://127.0.0.1:*', authkey: KEY, name: 'handover' });
    const client = await RPCClient.connect(server.address, { authkey: KEY, timeout: 3_000 });
    const keys = deriveCurveKeys(Buffer.from(KEY));
    // even a holder of the key (a compromised sibling, say) that learned the routing id
    const routingId = (client as unknown as { link: { routingId: string } }).link.routingId;
    const thief = new Dealer({ linger: 0, routingId, curveServerKey: keys.server.publicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey });
    try {
      server.publish('v', { answer: () => 42 });
      const v = await client.get<{ answer(): number }>('v');
      thief.connect(server.address);
      const events = thief.events;
      for await (const e of events) if (e.type === 'handshake' || e.type === 'disconnect') break;
      expect(await v.answer().catch((e: unknown) => e)).toBe(42);
    } finally {
      thief.close();
      client.close();
      await server.close();
    }
  });
});

describe('private ipc', () => {
  let child: ProcessHandle | undefined;
  afterAll(async () => {
    await child?.stop();
  });

  /** Runs a tiny node script as uid/gid 65534 (nobody) that connects to `path` and prints the outcome. */
  async function connectAsNobody(path: string): Promise<string> {
    const script = `require('node:net').connect({ path: process.argv[1] }).on('connect', function () { console.log('connected'); this.destroy(); }).on('error', (e) => console.log(e.code));`;
    const p = spawnRaw(process.execPath, ['-e', script, path], { uid: 65534, gid: 65534, cwd: '/', env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await once(p, 'exit');
    return out.trim();
  }

  test('a process of another uid cannot connect to a child\u2019s or the callback server\u2019s socket at all', async () => {
    child = await spawn({ name: 'private-target' });
    const callbacks = await ensureLocalServer();
    for (const address of [child.address, callbacks.address]) {
      expect(address).toMatch(/^ipc:\/\//);
      expect(await connectAsNobody(address.slice('ipc://'.length))).toBe('EACCES');
    }
    // this uid (and root) are inside the trust boundary: the kernel lets them in, and a link there
    // needs no key (the test itself, as this uid, is one)
    const me = connect({ path: child.address.slice('ipc://'.length) });
    await once(me, 'connect');
    me.destroy();
    await callbacks.close();
  });
});
