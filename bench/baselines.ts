/**
 * The peer baselines of issue 5, each a Baseline that a zeroproc case can be paired with. Every
 * peer is a separate `node` process running a plain .mjs script (or .ts under --import tsx where
 * that is the point), so it costs what a bare node start costs.
 */
import * as zmq from 'zeromq';
import msgpack from 'msgpack-lite';
import {
  forkPeer,
  opsPerSecond,
  settledRssMB,
  stateless,
  timeMs,
  type Baseline,
  type Measure,
  type Peer,
  type RunContext,
} from './harness.js';

export const MB = 1024 * 1024;

/**
 * A tiny request, under zeromq.js's 128-byte copy threshold as a small RPC call is; exported
 * so a zeroproc case can send the same bytes.
 */
export const TINY = Buffer.from('{"id":1,"m":"ping","a":[1]}');

interface Connected<S> {
  peer: Peer;
  socket: S;
  close(): Promise<void>;
}

/** Forks a zmq peer that reports its bound address, and connects `socket` to it. */
async function connectTo<S extends zmq.Socket>(
  file: string,
  socket: S,
  args: string[] = [],
): Promise<Connected<S>> {
  let peer: Peer | undefined;
  const close = async () => {
    socket.close();
    await peer?.kill();
  };
  try {
    peer = forkPeer(file, { args });
    const { address } = await peer.next<{ address: string }>();
    socket.connect(address);
    return { peer, socket, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const dealer = () => new zmq.Dealer({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });

/** Round trips per sample of the sequential cases, so a zeroproc case can do as many. */
export function sequentialCount(ctx: RunContext): number {
  return ctx.quick ? 500 : 2000;
}

/** 1a. Sequential round trips of a tiny message, DEALER to an echoing ROUTER. */
export const zmqEchoSequential: Baseline = {
  name: 'zmq-echo-seq',
  metric: 'sequential round trips',
  unit: 'rt/s',
  better: 'higher',
  async measure(ctx) {
    const { socket, close } = await connectTo('zmq-echo.mjs', dealer());
    const count = sequentialCount(ctx);
    return {
      sample: () =>
        opsPerSecond(count, async () => {
          for (let i = 0; i < count; i++) {
            await socket.send(TINY);
            await socket.receive();
          }
        }),
      close,
    };
  },
};

export const PIPELINED = 10_000;

/**
 * 1b. 10,000 tiny messages from one send loop (one message per send, never two sends in
 * flight) while one receive loop awaits all the echoes; messages/s over the whole exchange.
 */
export const zmqEchoPipelined: Baseline = {
  name: 'zmq-echo-pipelined',
  metric: 'pipelined round trips (10,000)',
  unit: 'msg/s',
  better: 'higher',
  async measure() {
    const { socket, close } = await connectTo('zmq-echo.mjs', dealer());
    return {
      sample: () =>
        opsPerSecond(PIPELINED, async () => {
          const replies = (async () => {
            for (let i = 0; i < PIPELINED; i++) await socket.receive();
          })();
          for (let i = 0; i < PIPELINED; i++) await socket.send(TINY);
          await replies;
        }),
      close,
    };
  },
};

export type PayloadKind = 'buffer' | 'float64';

/** The payload the echo baselines send, for a zeroproc case to send the same. */
export function makePayload(bytes: number, kind: PayloadKind): Buffer | Float64Array {
  if (kind === 'float64') {
    const array = new Float64Array(bytes / 8);
    for (let i = 0; i < array.length; i += 4096) array[i] = i;
    return array;
  }
  // non-zero content, so no layer can get away with a page of zeros
  return Buffer.alloc(bytes, 0xa5);
}

/** The received frame as the type that was sent, without a copy when alignment allows. */
function asKind(frame: Buffer, kind: PayloadKind): Buffer | Float64Array {
  if (kind === 'buffer') return frame;
  if (frame.byteOffset % 8 === 0) return new Float64Array(frame.buffer, frame.byteOffset, frame.length / 8);
  return new Float64Array(Uint8Array.prototype.slice.call(frame).buffer);
}

function checkEcho(sent: Buffer | Float64Array, got: Buffer | Float64Array): void {
  if (got.byteLength !== sent.byteLength || got.constructor !== sent.constructor) {
    throw new Error(`echo returned ${got.constructor.name}(${got.byteLength} B), sent ${sent.constructor.name}(${sent.byteLength} B)`);
  }
}

export const payloadLabel = (bytes: number, kind: PayloadKind): string =>
  `${bytes / MB} MB ${kind === 'buffer' ? 'Buffer' : 'Float64Array'}`;

/**
 * Round trips averaged into one payload sample: about 256 MB of traffic (32 MB with --quick),
 * and one round trip of 100 MB or more. A received frame counts as external memory, so a full GC
 * comes every one to three round trips of 10 MB and costs several ms: a sample of a few round
 * trips measured mostly whether it caught one (10-33 ms per 10 MB round trip from one sample to
 * the next, in one run). A 100 MB round trip has its own GC every time and varies little.
 */
export function payloadRepeats(bytes: number, ctx: RunContext): number {
  if (bytes >= 100 * MB) return 1;
  return Math.max(1, Math.round(((ctx.quick ? 32 : 256) * MB) / bytes));
}

async function perRoundTripMs(bytes: number, ctx: RunContext, roundTrip: () => Promise<void>): Promise<number> {
  const repeats = payloadRepeats(bytes, ctx);
  const ms = await timeMs(async () => {
    for (let i = 0; i < repeats; i++) await roundTrip();
  });
  return ms / repeats;
}

/** 1c. Round trip of one payload as its own frame (zeromq.js sends it without a copy). */
export function zmqPayloadEcho(bytes: number, kind: PayloadKind): Baseline {
  return {
    name: `zmq-echo-${bytes / MB}MB-${kind}`,
    metric: `round trip of ${payloadLabel(bytes, kind)}`,
    unit: 'ms',
    better: 'lower',
    async measure(ctx) {
      const { socket, close } = await connectTo('zmq-echo.mjs', dealer());
      const payload = makePayload(bytes, kind);
      return {
        sample: () =>
          perRoundTripMs(bytes, ctx, async () => {
            await socket.send(payload);
            const [frame] = await socket.receive();
            checkEcho(payload, asKind(frame!, kind));
          }),
        close,
      };
    },
  };
}

/**
 * The same round trip with the payload copied into a msgpack-lite body on both sides, as an RPC
 * layer that did not split binary into frames would do: what target 4 is there to rule out.
 */
export function msgpackPayloadEcho(bytes: number, kind: PayloadKind): Measure {
  return async (ctx) => {
    const { socket, close } = await connectTo('zmq-echo.mjs', dealer(), ['--msgpack']);
    const payload = makePayload(bytes, kind);
    return {
      sample: () =>
        perRoundTripMs(bytes, ctx, async () => {
          await socket.send(msgpack.encode({ id: 1, method: 'echo', args: [payload] }));
          const [frame] = await socket.receive();
          const reply = msgpack.decode(frame!) as { args: [Buffer | Float64Array] };
          checkEcho(payload, reply.args[0]);
        }),
      close,
    };
  };
}

/** Messages per sample of the one-way cases. */
export function oneWayCount(ctx: RunContext): number {
  return ctx.quick ? 20_000 : 100_000;
}

/** 2. One-way PUSH to PULL, one message per send, counted by the receiver. */
export const zmqPushPull: Baseline = {
  name: 'zmq-push-pull',
  metric: 'one-way messages received',
  unit: 'msg/s',
  better: 'higher',
  async measure(ctx) {
    const { peer, socket, close } = await connectTo('zmq-pull.mjs', new zmq.Push({ linger: 0 }));
    const count = oneWayCount(ctx);
    return {
      async sample() {
        peer.send({ expect: count });
        await peer.next<{ ready: true }>();
        for (let i = 0; i < count; i++) await socket.send(TINY);
        return (await peer.next<{ perSecond: number }>()).perSecond;
      },
      close,
    };
  },
};

/** 3. Node's own IPC: fork + process.send (json serialization) ping-pong. */
export const forkIpcPingPong: Baseline = {
  name: 'fork-ipc-seq',
  metric: 'sequential round trips',
  unit: 'rt/s',
  better: 'higher',
  async measure(ctx) {
    const peer = forkPeer('ipc-echo.mjs');
    try {
      await peer.next<{ ready: true }>();
    } catch (error) {
      await peer.kill();
      throw error;
    }
    const count = sequentialCount(ctx);
    const request = JSON.parse(TINY.toString()) as object;
    return {
      sample: () =>
        opsPerSecond(count, async () => {
          for (let i = 0; i < count; i++) {
            peer.send(request);
            await peer.next();
          }
        }),
      close: () => peer.kill(),
    };
  },
};

/** The bare child and its tsx twin: fork, wait for the address, answer one request. */
async function firstAnswer(typescript: boolean): Promise<{ ms: number; peer: Peer; socket: zmq.Dealer }> {
  const socket = dealer();
  const start = performance.now();
  let peer: Peer | undefined;
  try {
    peer = typescript
      ? forkPeer('first-answer.ts', { execArgv: ['--import', 'tsx'] })
      : forkPeer('first-answer.mjs');
    const { address } = await peer.next<{ address: string }>();
    socket.connect(address);
    await socket.send(TINY);
    await socket.receive();
    return { ms: performance.now() - start, peer, socket };
  } catch (error) {
    socket.close();
    await peer?.kill();
    throw error;
  }
}

function spawnToFirstAnswer(typescript: boolean): Baseline {
  return {
    name: typescript ? 'tsx-fork-first-answer' : 'bare-fork-first-answer',
    metric: 'spawn to first answer',
    unit: 'ms',
    better: 'lower',
    measure: async () =>
      stateless(async () => {
        const { ms, peer, socket } = await firstAnswer(typescript);
        socket.close();
        await peer.kill();
        return ms;
      }),
  };
}

/** 4. fork() of a node script that binds a ROUTER, until its first reply arrives. */
export const bareForkFirstAnswer = spawnToFirstAnswer(false);
/** 4'. The same child as TypeScript run with `node --import tsx`. */
export const tsxForkFirstAnswer = spawnToFirstAnswer(true);

function idleRss(typescript: boolean): Baseline {
  return {
    name: typescript ? 'tsx-child-rss' : 'bare-child-rss',
    metric: 'idle child RSS after one answer',
    unit: 'MB',
    better: 'lower',
    measure: async () =>
      stateless(async () => {
        const { peer, socket } = await firstAnswer(typescript);
        try {
          return await settledRssMB(peer.pid);
        } finally {
          socket.close();
          await peer.kill();
        }
      }),
  };
}

/** 5. VmRSS of the bare child once it has answered and settled. */
export const bareChildRss = idleRss(false);
/** 5'. The same for the tsx child. */
export const tsxChildRss = idleRss(true);
