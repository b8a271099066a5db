import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';
import {
  DisconnectedError, MessageTooLargeError, QueueFullError, RPCClient, RPCServer, setDiagnosticSink, type Remote,
} from '../../src/index.js';
import { RawPeer } from '../helpers/raw-peer.js';

const MiB = 1024 * 1024;

class Service {
  calls = 0;
  echo(x: unknown): unknown {
    this.calls++;
    return x;
  }
  blob(bytes: number): Buffer {
    return Buffer.alloc(bytes, 7);
  }
}

const diagnostics: string[] = [];
let heard: (() => void) | undefined;
const opened: Array<{ close(): unknown }> = [];

beforeAll(() =>
  setDiagnosticSink((level, message) => {
    diagnostics.push(`${level} ${message}`);
    heard?.();
  }),
);
afterAll(() => setDiagnosticSink(undefined));
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  diagnostics.length = 0;
});

async function serve(options: Parameters<typeof RPCServer.start>[0] = {}): Promise<{ server: RPCServer; service: Service }> {
  const server = await RPCServer.start({ name: 'limits', ...options });
  opened.push(server);
  const service = new Service();
  server.publish('service', service);
  return { server, service };
}

async function proxy(server: RPCServer, options: Parameters<typeof RPCClient.connect>[1] = {}): Promise<Remote<Service>> {
  const client = await RPCClient.connect(server.address, options);
  opened.push(client);
  return client.get<Service>('service');
}

/** Resolves once a diagnostic containing `text` was reported (the test's timeout bounds the wait). */
async function reported(text: string): Promise<void> {
  while (!diagnostics.some((d) => d.includes(text))) await new Promise<void>((resolve) => (heard = resolve));
  heard = undefined;
}

/** What a batch of settled calls came to: 'ok', or the rejection's class name. */
function outcomes(results: PromiseSettledResult<unknown>[]): string[] {
  return results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).constructor.name));
}

test('a call over the server\u2019s maxMessageSize is refused before it is sent, naming its size and the limit', async () => {
  const { server, service } = await serve({ maxMessageSize: MiB });
  const s = await proxy(server);
  const err = (await s.echo(Buffer.alloc(2 * MiB)).catch((e: unknown) => e)) as MessageTooLargeError;
  expect(err).toBeInstanceOf(MessageTooLargeError);
  expect(err.code).toBe('ERR_MESSAGE_TOO_LARGE');
  expect(err.limit).toBe(MiB);
  expect(err.size).toBeGreaterThan(2 * MiB);
  expect(err.message).toMatch(/^call echo on [\w-]{22} is 2097\d{3} bytes \(2 MiB\) encoded, over the maxMessageSize of 1048576 bytes \(1 MiB\) that limits at tcp:/);
  // the same for arguments that hold no object (encoded without a reference encoder)
  const text = (await s.echo('x'.repeat(2 * MiB)).catch((e: unknown) => e)) as MessageTooLargeError;
  expect(text).toBeInstanceOf(MessageTooLargeError);
  expect(text.message).toMatch(/^call echo on [\w-]{22} is 2097\d{3} bytes \(2 MiB\) encoded, over the maxMessageSize of 1048576 bytes/);
  // the connection is intact and the server never saw the calls
  expect(await s.echo('small')).toBe('small');
  expect(service.calls).toBe(1);
});

test('a reply over the client\u2019s maxMessageSize fails that call with MessageTooLargeError, not a lost connection', async () => {
  const { server } = await serve();
  const s = await proxy(server, { maxMessageSize: MiB });
  const err = (await s.blob(2 * MiB).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(MessageTooLargeError);
  expect(err).not.toBeInstanceOf(DisconnectedError);
  expect(err.message).toMatch(/the reply is 2097\d{3} bytes \(2 MiB\) encoded, over the maxMessageSize of 1048576 bytes \(1 MiB\) that limits \(pid \d+ on .*\) accepts/);
  expect((await s.blob(1000)).length).toBe(1000);
  // a reply that holds no object (encoded without a reference encoder) is checked the same way
  const text = (await s.echo('x'.repeat(900 * 1024) + 'y'.repeat(900 * 1024)).catch((e: unknown) => e)) as Error;
  expect(text).toBeInstanceOf(MessageTooLargeError);
  expect(text.message).toMatch(/the reply is 18432\d\d bytes \(1.8 MiB\) encoded, over the maxMessageSize of 1048576 bytes/);
  expect(await s.echo('small')).toBe('small');
});

test('a peer that ignores the advertised limit is refused: whole messages with a rate-limited report, large frames by ZeroMQ', async () => {
  const { server } = await serve({ maxMessageSize: MiB });
  const s = await proxy(server);
  const raw = new RawPeer(server.address);
  opened.push(raw);
  // three frames, each under the limit, together over it: only the whole-message check sees it
  const frames = [Buffer.alloc(600_000), Buffer.alloc(600_000), Buffer.alloc(600_000)];
  for (let i = 0; i < 5; i++) await raw.send([{ type: 'hb' }], frames);
  await reported('refused a message');
  const refused = diagnostics.filter((d) => d.includes('refused a message'));
  expect(refused).toEqual([expect.stringMatching(/^warn limits: refused a message of 180\d{4} bytes \(1\.7 MiB\) from peer [0-9a-f]+: over this server's maxMessageSize of 1048576 bytes \(1 MiB\)$/)]);
  // one frame over the limit: libzmq drops the connection unread, and the drop is reported
  await raw.send([{ type: 'hb' }], [Buffer.alloc(2 * MiB)]);
  await reported('ZeroMQ dropped');
  expect(diagnostics).toContainEqual(expect.stringMatching(/^info limits: ZeroMQ dropped 1 connection\(s\) to tcp:\S+ without a goodbye: the peer died, or sent a frame over this server's maxMessageSize of 1048576 bytes/));
  expect(await s.echo('still serving')).toBe('still serving');
});

test('replies past a client\u2019s byte bound on the server fail their calls with QueueFullError', async () => {
  const { server } = await serve({ maxQueuedBytes: MiB });
  const s = await proxy(server);
  // the first call leaves at once, the other three in one batch while it is in flight; the server
  // answers that batch within one tick: its first reply fills the client's queue
  const results = await Promise.allSettled([1, 2, 3, 4].map(() => s.blob(600_000)));
  expect(outcomes(results)).toEqual(['ok', 'ok', 'QueueFullError', 'QueueFullError']);
  const err = (results[2] as PromiseRejectedResult).reason as QueueFullError;
  expect(err.code).toBe('ERR_QUEUE_FULL');
  expect(err.message).toMatch(/600\d{3} bytes wait to be sent, and 600\d{3} more would pass its limit of 1048576 bytes \(maxQueuedBytes\)/);
  expect(diagnostics.filter((d) => d.includes('by QueueFullError'))).toHaveLength(1);
  expect((await s.blob(600_000)).length).toBe(600_000);
});

test('a client\u2019s own send queue is bounded in bytes: calls past it fail with QueueFullError', async () => {
  const { server, service } = await serve();
  const s = await proxy(server, { maxQueuedBytes: MiB });
  const payload = Buffer.alloc(600_000);
  const results = await Promise.allSettled([s.echo(payload), s.echo(payload), s.echo(payload)]);
  expect(outcomes(results)).toEqual(['ok', 'QueueFullError', 'QueueFullError']);
  expect(service.calls).toBe(1);
});

test('a closing server reports none of the drops it causes; a peer that dies unannounced still is', async () => {
  for (let i = 0; i < 3; i++) {
    const closing = await RPCServer.start({ name: 'closing' });
    closing.publish('pending', { forever: () => new Promise<never>(() => {}) });
    // each client closes the moment its call fails with the server's `closing`: its connection
    // drops while the server is still shutting down, which once read as a peer that died
    const ends: Promise<void>[] = [];
    for (let j = 0; j < 4; j++) {
      const client = await RPCClient.connect(closing.address);
      const pending = await client.get<{ forever(): Promise<never> }>('pending');
      ends.push(pending.forever().catch(() => undefined).then(() => client.close()));
    }
    await closing.close();
    await Promise.all(ends);
  }
  // a drop the open server cannot explain: its report comes after any the closed servers scheduled
  const { server } = await serve();
  const raw = new RawPeer(server.address);
  await raw.published('service');
  raw.close();
  await reported('ZeroMQ dropped');
  expect(diagnostics.filter((d) => d.includes('ZeroMQ dropped'))).toEqual([expect.stringMatching(/^info limits: ZeroMQ dropped 1 connection\(s\) to tcp:/)]);
});

test('a closing server does not report the notice it could not deliver to a peer already gone', async () => {
  const server = await RPCServer.start({ name: 'leaving' });
  opened.push(server);
  server.publish('service', new Service());
  const raw = new RawPeer(server.address);
  await raw.published('service');
  raw.close();
  // the server saw the connection go (its ROUTER no longer routes to that peer), yet still knows
  // the peer until its timeout: its `closing` to it fails with EHOSTUNREACH
  await reported('ZeroMQ dropped');
  await server.close();
  expect(diagnostics.filter((d) => d.includes('could not send'))).toEqual([]);
});
