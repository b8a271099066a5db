import { afterAll, beforeAll, expect, test } from '@jest/globals';
import msgpack from 'msgpack-lite';
import { keyHolderDealer } from '../helpers/raw-peer.js';
import { RPCClient, RPCServer, setDiagnosticSink } from '../../src/index.js';
import { batchMessages, PROTOCOL_VERSION, unpackFrames } from '../../src/wire/index.js';
import { readReply, requestToWire } from '../../src/rpc/messages.js';

/** A small seeded generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: RPCServer;
let client: RPCClient;
const diagnostics: string[] = [];
beforeAll(async () => {
  setDiagnosticSink((_level, message) => diagnostics.push(message));
  server = await RPCServer.start({ name: 'fuzzed' });
  server.publish('svc', { ping: (x: number) => x });
  client = await RPCClient.connect(server.address);
});
afterAll(async () => {
  client.close();
  await server.close();
  setDiagnosticSink(undefined);
});

const HEADER = Buffer.of(0x5a, 0x50, PROTOCOL_VERSION, 0x6d);
// request type codes (docs/PROTOCOL.md 9.2) and a few that are none; 16, close, is left out: a
// well-formed close request closing the server is not a failure
const types = [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 255, 'call'];

function randomValue(rnd: () => number, depth = 0): unknown {
  const k = Math.floor(rnd() * (depth > 2 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return Math.floor(rnd() * 2 ** 40) - 2 ** 39;
    case 2: return rnd() * 1e6;
    case 3: return 'x'.repeat(Math.floor(rnd() * 10));
    case 4: return rnd() < 0.5;
    case 5: return Buffer.from(Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256)));
    case 6: return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < rnd() * 4; i++) o[['type', 'id', 'obj', 'path', 'args', 'ret', 'refs', 'name'][Math.floor(rnd() * 8)]!] = randomValue(rnd, depth + 1);
      return o;
    }
    default: return [types[Math.floor(rnd() * types.length)], Math.floor(rnd() * 5) - 1, ...Array.from({ length: Math.floor(rnd() * 8) }, () => randomValue(rnd, depth + 1))];
  }
}

/** Raw bytes with a little MessagePack structure: ext headers, maps, arrays, and noise. */
function randomBody(rnd: () => number): Buffer {
  if (rnd() < 0.5) return msgpack.encode([randomValue(rnd), randomValue(rnd)]);
  const bytes = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
  const starts = [0x91, 0x92, 0xc7, 0xd4, 0xd5, 0x81, 0xdc];
  bytes[0] = starts[Math.floor(rnd() * starts.length)]!;
  return Buffer.from(bytes);
}

test('a server survives a thousand malformed batches from a key holder and still answers', async () => {
  const rnd = prng(20261121);
  // a holder of the key passes the CURVE handshake: its garbage reaches the decoder
  const raw = keyHolderDealer(server.address);
  raw.connect(server.address);
  try {
    for (let i = 0; i < 1000; i++) {
      const frames = [Buffer.concat([HEADER, randomBody(rnd)])];
      // some batches also carry stray attachment frames
      if (rnd() < 0.2) frames.push(Buffer.alloc(Math.floor(rnd() * 1024)));
      await raw.send(frames);
    }
    // the reply to a last well-formed ping shows that everything before it went through
    await raw.send(Buffer.concat([HEADER, msgpack.encode([requestToWire({ type: 'ping', id: 99 })])]));
    for (;;) {
      const replies = batchMessages(unpackFrames(await raw.receive()), { hooks: undefined, attachments: [], next: 0, failures: 0 }).map(readReply);
      if (replies.some((m) => m?.type === 'ok' && m.id === 99)) break;
    }
  } finally {
    raw.close();
  }
  // well-formed random requests may have changed the objects that existed; a new one is untouched
  server.publish('after', { ping: (x: number) => x });
  const svc = await client.get<{ ping(x: number): number }>('after');
  expect(await svc.ping(7)).toBe(7);
  expect(await client.ping()).toBeGreaterThan(0);
  expect(diagnostics).toContainEqual(expect.stringMatching(/^fuzzed: dropped a (bad message|batch)/));
});
