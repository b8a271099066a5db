/**
 * The peer baselines of issue 5, each a Baseline that a zeroproc case can be paired with. Every
 * peer is a separate `node` process running a plain .mjs script (or .ts under --import tsx where
 * that is the point), so it costs what a bare node start costs.
 */
import { spawn as spawnChild, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import msgpack from 'msgpack-lite';
import {
  forkPeer,
  opsPerSecond,
  peerEndpoint,
  settledRssMB,
  stateless,
  timeMs,
  trackChild,
  type Baseline,
  type Fixture,
  type Measure,
  type Peer,
  type PeerOptions,
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
export async function connectTo<S extends zmq.Socket>(
  file: string,
  socket: S,
  options: PeerOptions = {},
): Promise<Connected<S>> {
  let peer: Peer | undefined;
  const close = async () => {
    socket.close();
    await peer?.kill();
  };
  try {
    peer = forkPeer(file, options);
    const { address } = await peer.next<{ address: string }>();
    socket.connect(address);
    return { peer, socket, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Where a peer binds for the TCP variants of the baselines. */
export const LOOPBACK_TCP = 'tcp://127.0.0.1:*';

export const dealer = () => new zmq.Dealer({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });

/**
 * Round trips per sample of the sequential cases, so a zeroproc case can do as many. The same in
 * quick runs: every sample starts after the other side's, with this side's processes idle and
 * cold, and with 500 round trips that start weighed enough to put quick runs 0.1-0.2 x below
 * full ones (measured: 0.55-0.71 x against 0.75-0.84 x, three of each alternated).
 */
export function sequentialCount(_ctx: RunContext): number {
  return 2000;
}

/**
 * A baseline of a DEALER to an echoing ROUTER (`zmq-echo.mjs`) bound at `bind` (the run's ipc
 * directory when undefined), whose sample is `sampler` over the connected socket.
 */
function zmqEchoAt(name: string, metric: string, unit: string, bind: string | undefined, sampler: (socket: zmq.Dealer, ctx: RunContext) => () => Promise<number>): Baseline {
  return {
    name,
    metric,
    unit,
    better: 'higher',
    async measure(ctx) {
      const { socket, close } = await connectTo('zmq-echo.mjs', dealer(), { bind });
      return { sample: sampler(socket, ctx), close };
    },
  };
}

/** 1a. Sequential round trips of a tiny message, in round trips/s. */
const zmqEchoSequentialAt = (name: string, bind?: string): Baseline =>
  zmqEchoAt(name, 'sequential round trips', 'rt/s', bind, (socket, ctx) => {
    const count = sequentialCount(ctx);
    return () =>
      opsPerSecond(count, async () => {
        for (let i = 0; i < count; i++) {
          await socket.send(TINY);
          await socket.receive();
        }
      });
  });

/** 1a over ipc://, as a zeroproc child is reached by default. */
export const zmqEchoSequential: Baseline = zmqEchoSequentialAt('zmq-echo-seq');

/** 1a over loopback TCP, the transport of links between machines (no CURVE: raw zeromq.js). */
export const zmqEchoSequentialTcp: Baseline = zmqEchoSequentialAt('zmq-echo-seq-tcp', LOOPBACK_TCP);

export const PIPELINED = 10_000;

/**
 * 1b. 10,000 tiny messages from one send loop (one message per send, never two sends in
 * flight) while one receive loop awaits all the echoes; messages/s over the whole exchange.
 */
const zmqEchoPipelinedAt = (name: string, bind?: string): Baseline =>
  zmqEchoAt(name, 'pipelined round trips (10,000)', 'msg/s', bind, (socket) => () =>
    opsPerSecond(PIPELINED, async () => {
      const replies = (async () => {
        for (let i = 0; i < PIPELINED; i++) await socket.receive();
      })();
      for (let i = 0; i < PIPELINED; i++) await socket.send(TINY);
      await replies;
    }));

/** 1b over ipc://, as a zeroproc child is reached by default. */
export const zmqEchoPipelined: Baseline = zmqEchoPipelinedAt('zmq-echo-pipelined');

/** 1b over loopback TCP (no CURVE: raw zeromq.js). */
export const zmqEchoPipelinedTcp: Baseline = zmqEchoPipelinedAt('zmq-echo-pipelined-tcp', LOOPBACK_TCP);

export type PayloadKind = 'buffer' | 'float64';

/** The payload the echo baselines send, for a zeroproc case to send the same. */
export function makePayload(bytes: number, kind: PayloadKind): Buffer | Float64Array {
  // non-zero content on every page, so no layer can get away with pages never written (the
  // kernel's shared zero page; bench/tools/payload-pages.ts measures the difference)
  if (kind === 'float64') return new Float64Array(bytes / 8).fill(Math.PI);
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
    const { socket, close } = await connectTo('zmq-echo.mjs', dealer(), { args: ['--msgpack'] });
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

/** The `ipc-echo.mjs` peer, ready, and the tiny request as the object `process.send` serializes. */
async function ipcEcho(sample: (peer: Peer, request: object) => Promise<number>): Promise<Fixture> {
  const peer = forkPeer('ipc-echo.mjs');
  try {
    await peer.next<{ ready: true }>();
  } catch (error) {
    await peer.kill();
    throw error;
  }
  const request = JSON.parse(TINY.toString()) as object;
  return { sample: () => sample(peer, request), close: () => peer.kill() };
}

/** 3. Node's own IPC: fork + process.send (json serialization) ping-pong. */
export const forkIpcPingPong: Baseline = {
  name: 'fork-ipc-seq',
  metric: 'sequential round trips',
  unit: 'rt/s',
  better: 'higher',
  measure: (ctx) =>
    ipcEcho((peer, request) => {
      const count = sequentialCount(ctx);
      return opsPerSecond(count, async () => {
        for (let i = 0; i < count; i++) {
          peer.send(request);
          await peer.next();
        }
      });
    }),
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

// ---- scaling curves ----

/** Runs `open` `n` times at once; closes every one opened if any fails. */
export async function openAll<T extends { close(): Promise<void> }>(n: number, open: () => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, open));
  const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(opened.map((o) => o.close()));
    throw failed.reason;
  }
  return opened;
}

/** N bare children forked at once, until each has answered one request, in ms (the last answer). */
export function bareForksAtOnce(n: number): Baseline {
  return {
    name: `bare-fork-first-answer-x${n}`,
    metric: `${n} children started at once, to the last first answer`,
    unit: 'ms',
    better: 'lower',
    measure: async () =>
      stateless(async () => {
        const start = performance.now();
        const children = await openAll(n, async () => {
          const { peer, socket } = await firstAnswer(false);
          return { close: async () => { socket.close(); await peer.kill(); } };
        });
        const ms = performance.now() - start;
        await Promise.all(children.map((c) => c.close()));
        return ms;
      }),
  };
}

/** Calls per sample of the fan-out and K-clients curves, however many ends share them. */
export function spreadCount(ctx: RunContext): number {
  return ctx.quick ? 800 : 3200;
}

/**
 * `n` concurrent sequential loops over `ends` ends (round-robin: loop i uses end i % ends), the
 * whole sample `total` calls, in calls/s: the fan-out and K-clients shape, one call in flight per loop.
 */
export function concurrentLoops(n: number, total: number, call: (loop: number, i: number) => Promise<unknown>): Promise<number> {
  const each = Math.ceil(total / n);
  return opsPerSecond(each * n, () =>
    Promise.all(
      Array.from({ length: n }, async (_, loop) => {
        for (let i = 0; i < each; i++) await call(loop, i);
      }),
    ),
  );
}

/**
 * Round trips each end of a fan-out answers before the samples, on both sides alike. A sample
 * gives each of 16 ends only 200 calls, and the warm-up stops once samples stop rising: it ended
 * while most zeroproc children still ran their per-call path unoptimised (V8 tiers a function up
 * after about 1,150 calls), so the curve fell with N for a reason a long-running program never
 * sees. 2,000 calls is what one child gets in one sample of the sequential case.
 */
export const FAN_OUT_PREWARM = 2_000;

/** The points of the fan-out curve (children called by one parent). */
export const FAN_OUT_POINTS: readonly number[] = [1, 2, 4, 8, 16];

/**
 * A sample of the fan-out curve's share at its last point: every point's rate in turn over the
 * same ends (the first N of them), starting at another point each sample, then the last point's
 * rate in percent of the highest. The curve's own points are cases measured minutes apart, so
 * their share carried the host's drift between them (rounds of one point varied 70-85% from one
 * minute to the next, 2026-12-04); points measured within one sample share the machine's state.
 */
export function fanOutShare(total: number, call: (end: number, i: number) => Promise<unknown>): () => Promise<number> {
  let first = 0;
  return async () => {
    const rates = new Map<number, number>();
    for (let k = 0; k < FAN_OUT_POINTS.length; k++) {
      const n = FAN_OUT_POINTS[(first + k) % FAN_OUT_POINTS.length]!;
      rates.set(n, await concurrentLoops(n, total, call));
    }
    first++;
    return (100 * rates.get(FAN_OUT_POINTS.at(-1)!)!) / Math.max(...rates.values());
  };
}

/** The metric of the fan-out share cases. */
export const FAN_OUT_SHARE = {
  metric: `rate at ${FAN_OUT_POINTS.at(-1)} ends in percent of the curve's peak (${FAN_OUT_POINTS.join(', ')} ends, one sample)`,
  unit: '%',
  better: 'higher',
} as const;

/**
 * `n` raw echo peers, one DEALER each, warmed like zeroproc's children (FAN_OUT_PREWARM round
 * trips each), and a round trip to one of them.
 */
async function openFanOutPeers(n: number): Promise<{ roundTrip(end: number): Promise<void>; close(): Promise<void> }> {
  const peers = await openAll(n, () => connectTo('zmq-echo.mjs', dealer()));
  const roundTrip = async (end: number): Promise<void> => {
    const { socket } = peers[end]!;
    await socket.send(TINY);
    await socket.receive();
  };
  const close = async () => void (await Promise.all(peers.map((p) => p.close())));
  try {
    await concurrentLoops(n, n * FAN_OUT_PREWARM, roundTrip);
  } catch (err) {
    await close();
    throw err;
  }
  return { roundTrip, close };
}

/** Fan-out floor: one process, N DEALERs, each to its own echo peer, one round trip in flight per peer. */
export function zmqFanOut(n: number): Baseline {
  return {
    name: `zmq-echo-fan-out-x${n}`,
    metric: `sequential round trips spread over ${n} peers`,
    unit: 'rt/s',
    better: 'higher',
    async measure(ctx) {
      const { roundTrip, close } = await openFanOutPeers(n);
      const total = spreadCount(ctx);
      return { sample: () => concurrentLoops(n, total, roundTrip), close };
    },
  };
}

/** The raw fan-out's own share at its last point (see {@link fanOutShare}). */
export const zmqFanOutShare: Baseline = {
  name: 'zmq-echo-fan-out-share',
  ...FAN_OUT_SHARE,
  async measure(ctx) {
    const { roundTrip, close } = await openFanOutPeers(FAN_OUT_POINTS.at(-1)!);
    return { sample: fanOutShare(spreadCount(ctx), roundTrip), close };
  },
};

/**
 * K-clients floor: K client processes (`zmq-client.mjs`), each a DEALER doing sequential round
 * trips into one echo ROUTER; calls/s from the start signal until the last client is done.
 */
export function zmqClientsIntoOne(k: number): Baseline {
  return {
    name: `zmq-echo-clients-x${k}`,
    metric: `sequential round trips of ${k} client processes into one server`,
    unit: 'rt/s',
    better: 'higher',
    async measure(ctx) {
      const server = forkPeer('zmq-echo.mjs');
      const clients: Peer[] = [];
      const close = async () => {
        await Promise.all([server, ...clients].map((p) => p.kill()));
      };
      try {
        const { address } = await server.next<{ address: string }>();
        for (let i = 0; i < k; i++) clients.push(forkPeer('zmq-client.mjs', { args: [address] }));
        await Promise.all(clients.map((c) => c.next<{ ready: true }>()));
      } catch (error) {
        await close();
        throw error;
      }
      const each = Math.ceil(spreadCount(ctx) / k);
      return {
        async sample() {
          const start = performance.now();
          await Promise.all(
            clients.map(async (c) => {
              c.send({ run: each });
              await c.next<{ ms: number }>();
            }),
          );
          return (each * k) / ((performance.now() - start) / 1000);
        },
        close,
      };
    },
  };
}

// ---- pyzmq ----

/**
 * The Python that has zmq and msgpack: `python3` on PATH, else Debian's `/usr/bin/python3` (where
 * python3-zmq and python3-msgpack install, which a pyenv or venv python3 on PATH does not see).
 */
let python: string | undefined;

/** Why the pyzmq baseline cannot run here (no Python with zmq and msgpack), or undefined. */
export function pyzmqMissing(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import zmq, msgpack'], { stdio: 'ignore' });
    if (!probe.error && probe.status === 0) {
      python = candidate;
      return undefined;
    }
  }
  return 'no python3 with zmq and msgpack (Debian: apt-get install python3-zmq python3-msgpack)';
}

/** A python3 peer reading lines from its stdin and writing lines to its stdout; it exits when stdin closes. */
function pythonPeer(args: string[]): { child: ChildProcess; line(): Promise<string>; close(): Promise<void> } {
  if (!python && pyzmqMissing()) throw new Error('the pyzmq baseline needs a python3 with zmq and msgpack');
  const child = spawnChild(python!, [fileURLToPath(new URL('./peers/pyzmq-echo.py', import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_BIND: peerEndpoint('pyzmq-echo.py') },
  });
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    async line() {
      const next = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
      if (next.done) throw new Error(`python3 pyzmq-echo.py ${args[0]} exited`);
      return next.value;
    },
    async close() {
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * pyzmq DEALER to ROUTER, both ends Python with msgpack bodies (`{id, method, args}` decoded and
 * encoded again by the server): sequential round trips/s, timed by the Python client.
 */
export const pyzmqMsgpackSequential: Baseline = {
  name: 'pyzmq-msgpack-seq',
  metric: 'sequential round trips',
  unit: 'rt/s',
  better: 'higher',
  async measure(ctx) {
    const server = pythonPeer(['server']);
    let client: ReturnType<typeof pythonPeer> | undefined;
    const close = async () => {
      await Promise.all([server.close(), client?.close()]);
    };
    try {
      const address = await server.line();
      client = pythonPeer(['client', address]);
    } catch (error) {
      await close();
      throw error;
    }
    const count = sequentialCount(ctx);
    const owned = client;
    return {
      async sample() {
        owned.child.stdin!.write(`${count}\n`);
        return count / Number(await owned.line());
      },
      close,
    };
  },
};

/**
 * Node's IPC pipelined: 10,000 `process.send` of the tiny request to the `ipc-echo.mjs` child
 * in one loop (json serialization), then all 10,000 echoes awaited; messages/s. Issue 16 asks
 * zeroproc's pipelined calls to beat it.
 */
export const forkIpcPipelined: Baseline = {
  name: 'fork-ipc-pipelined',
  metric: 'pipelined round trips (10,000)',
  unit: 'msg/s',
  better: 'higher',
  measure: () =>
    ipcEcho((peer, request) =>
      opsPerSecond(PIPELINED, async () => {
        for (let i = 0; i < PIPELINED; i++) peer.send(request);
        for (let i = 0; i < PIPELINED; i++) await peer.next();
      }),
    ),
};
