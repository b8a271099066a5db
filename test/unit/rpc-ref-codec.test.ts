/**
 * The reference codec without sockets: a fake exporter (a table and an id) stands for a server,
 * fake importers for connections, and references go through the real body codecs.
 */
import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { ObjectTable } from '../../src/rpc/object-table.js';
import { defaultCallOptions, type ResolvedCallOptions } from '../../src/rpc/options.js';
import { makeProxy } from '../../src/rpc/proxy.js';
import { encodeWithRefs, RefDecoder, RefEncoder, type RefDecoderContext, type RefExporter, type RefImporter } from '../../src/rpc/ref-codec.js';
import { RemoteRef, type ObjectRequest, type RefClient } from '../../src/rpc/remote-ref.js';
import { jsonCodec, msgpackCodec, type Codec, type EncodedMessage } from '../../src/wire/index.js';
import type { RefWire } from '../../src/wire/refs.js';

class Counter {
  n = 0;
  inc(): number {
    return ++this.n;
  }
}

function exporter(id: string): RefExporter {
  return {
    id,
    advertisedAddress: `ipc:///run/${id}`,
    table: new ObjectTable(60_000),
    resolvePath: (root, path) => path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], root),
  };
}

/** A connection that records what the decoder asked of it. */
class FakeImporter implements RefImporter {
  readonly claims: string[] = [];
  readonly recipients: string[] = [];
  readonly proxies: RefWire[] = [];
  constructor(readonly server: { server: string } | undefined) {}
  claim(ticket: string, recipient: string): void {
    this.claims.push(ticket);
    this.recipients.push(recipient);
  }
  proxyFor(ref: RefWire): unknown {
    this.proxies.push(ref);
    return { proxyOf: ref };
  }
}

/** A client holding references to server `serverC`'s objects; hands out tickets when asked. */
class FakeRefClient implements RefClient {
  readonly address = 'ipc:///run/serverC';
  readonly ticketRequests: { obj: string; recipient: string }[] = [];
  private nextTicket = 100;
  queueRelease(): void {}
  request(_ref: RemoteRef, _request: ObjectRequest, _options: ResolvedCallOptions): unknown {
    return undefined;
  }
  async requestTicket(ref: RemoteRef, recipient: string): Promise<string> {
    this.ticketRequests.push({ obj: ref.obj, recipient });
    return `ticket${this.nextTicket++}`;
  }
}

function decodeContext(recipient: string, home: RefExporter[], via?: RefImporter): RefDecoderContext & { connections: Map<string, FakeImporter> } {
  const connections = new Map<string, FakeImporter>();
  return {
    via,
    recipient,
    connections,
    home: (id) => home.find((e) => e.id === id),
    connect: (address, serverId) => {
      let c = connections.get(address);
      if (!c) connections.set(address, (c = new FakeImporter({ server: serverId })));
      return c;
    },
  };
}

/** Encodes synchronously or fails the test. */
function encodeNow(codec: Codec, message: unknown, encoder: RefEncoder): EncodedMessage {
  const encoded = encodeWithRefs(codec, message, encoder);
  expect(encoded).not.toBeInstanceOf(Promise);
  return encoded as EncodedMessage;
}

/** Encodes after the encoder prepared what it lacked, or fails the test. */
function encodeLater(codec: Codec, message: unknown, encoder: RefEncoder): Promise<EncodedMessage> {
  const encoded = encodeWithRefs(codec, message, encoder);
  expect(encoded).toBeInstanceOf(Promise);
  return encoded as Promise<EncodedMessage>;
}

function decode(codec: Codec, { data, attachments }: EncodedMessage, hooks: RefDecoder): unknown {
  return codec.decodeBatch(codec.joinBatch(new Uint8Array(0), [{ data }]), 0, { hooks, attachments, next: 0, failures: 0 })[0];
}

describe.each([msgpackCodec, jsonCodec])('references through the $name codec', (codec) => {
  test('a local object in a request travels with a ticket for its destination, which the receiver claims', () => {
    const b = exporter('serverB');
    const callback = (): number => 1;
    const encoder = new RefEncoder({ owner: b, destination: 'serverD', recipient: 'serverD', returnType: 'auto' });
    const encoded = encodeNow(codec, { type: 'call', args: [callback, callback] }, encoder);
    // one reference per occurrence, each with a ticket of its own
    expect(b.table.size).toBe(1);

    const atD = decodeContext('serverD', [exporter('serverD')]);
    const message = decode(codec, encoded, new RefDecoder(atD)) as { args: { proxyOf: RefWire }[] };
    const toB = atD.connections.get(b.advertisedAddress)!;
    expect(toB.server).toEqual({ server: 'serverB' });
    expect(toB.claims).toHaveLength(2);
    expect(new Set(toB.claims).size).toBe(2);
    expect(message.args.map((a) => a.proxyOf.ticket)).toEqual(toB.claims);
    expect(message.args[0]!.proxyOf).toMatchObject({ server: 'serverB', callable: true, name: 'callback', path: [] });

    expect(toB.recipients).toEqual(['serverD', 'serverD']);
    // another process cannot take them; the recipient still can
    for (const t of toB.claims) expect(b.table.claim(t, 'peerE', 'serverE')).toBe('refused');
    for (const t of toB.claims) expect(b.table.claim(t, 'peerD', 'serverD')).toBe('claimed');
    const id = message.args[0]!.proxyOf.obj;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(toB.claims[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    b.table.release(id, 'peerD', 2);
    expect(b.table.size).toBe(0);
  });

  test('a reply grants each occurrence to the peer; the receiving client keeps a granted reference as its proxy', () => {
    const c = exporter('serverC');
    const counter = new Counter();
    const encoder = new RefEncoder({ owner: c, peer: 'peerB', destination: 'serverB', recipient: 'serverB', returnType: 'auto' });
    const encoded = encodeNow(codec, { type: 'ok', id: 1, value: [counter, counter] }, encoder);

    const via = new FakeImporter({ server: 'serverC' });
    // serverC running in the receiving process too must not turn a grant into the object
    const atB = decodeContext('4242@hostB', [c], via);
    const reply = decode(codec, encoded, new RefDecoder(atB)) as { value: { proxyOf: RefWire }[] };
    expect(via.proxies).toHaveLength(2);
    expect(via.claims).toEqual([]);
    expect(atB.connections.size).toBe(0);
    const id = reply.value[0]!.proxyOf.obj;
    c.table.release(id, 'peerB', 1);
    expect(c.table.get(id)).toBe(counter);
    c.table.release(id, 'peerB', 1);
    expect(c.table.size).toBe(0);
  });

  test('a reference coming home is its object again, along its path, and its ticket is consumed', () => {
    const b = exporter('serverB');
    const target = Object.assign(new Counter(), { inner: { deep: 'x' } });
    const sent = encodeNow(codec, [target], new RefEncoder({ owner: b, destination: 'serverD', recipient: 'serverD', returnType: 'auto' }));
    const [ref] = decode(codec, sent, new RefDecoder(decodeContext('serverD', []))) as { proxyOf: RefWire }[];
    expect(b.table.size).toBe(1);

    // D sends it back with a path below it: at B it is the object's member, and the ticket is gone
    const back = codec.encode([{ ...ref!.proxyOf, path: ['inner'] }], {
      hooks: { toRef: (v) => (v && 'server' in v ? (v as RefWire) : undefined) },
      attachments: [],
    });
    const [value] = decode(codec, { data: back, attachments: [] }, new RefDecoder(decodeContext('serverB', [b]))) as unknown[];
    expect(value).toBe(target.inner);
    expect(b.table.size).toBe(0);
  });

  test('a forwarded proxy waits for a ticket from its owner, requested for the destination', async () => {
    const client = new FakeRefClient();
    const proxy = makeProxy({ ref: new RemoteRef(client, 'serverC', 'obj5', false, 'Thing'), path: ['child'], options: defaultCallOptions });
    const encoder = new RefEncoder({ owner: exporter('serverB'), destination: 'serverD', recipient: 'serverD', returnType: 'auto' });
    const encoded = await encodeLater(codec, { type: 'call', args: [proxy, proxy] }, encoder);
    expect(client.ticketRequests).toEqual([{ obj: 'obj5', recipient: 'serverD' }, { obj: 'obj5', recipient: 'serverD' }]);

    const atD = decodeContext('serverD', []);
    const message = decode(codec, encoded, new RefDecoder(atD)) as { args: { proxyOf: RefWire }[] };
    expect(atD.connections.get(client.address)!.claims).toEqual(['ticket100', 'ticket101']);
    expect(message.args[0]!.proxyOf).toMatchObject({ server: 'serverC', obj: 'obj5', path: ['child'], name: 'Thing' });
  });

  test('a proxy sent to its own owner needs no ticket', () => {
    const client = new FakeRefClient();
    const c = exporter('serverC');
    const fn = (): void => undefined;
    const id = c.table.grant(fn, 'peerB');
    const proxy = makeProxy({ ref: new RemoteRef(client, 'serverC', id, true, 'fn'), path: [], options: defaultCallOptions });
    const encoded = encodeNow(codec, [proxy], new RefEncoder({ owner: undefined, destination: 'serverC', recipient: 'serverC', returnType: 'auto' }));
    expect(client.ticketRequests).toEqual([]);
    expect(decode(codec, encoded, new RefDecoder(decodeContext('serverB', [c])))).toEqual([fn]);
  });
});

describe('RefEncoder', () => {
  test('starts the owner only when a local object must go by reference', async () => {
    let started = 0;
    const b = exporter('serverB');
    const startOwner = async (): Promise<RefExporter> => {
      started++;
      return b;
    };
    encodeNow(msgpackCodec, { plain: [1, 2, { a: 'b' }] }, new RefEncoder({ owner: undefined, startOwner, destination: 'serverD', recipient: 'serverD', returnType: 'auto' }));
    expect(started).toBe(0);
    await encodeLater(msgpackCodec, [() => 1], new RefEncoder({ owner: undefined, startOwner, destination: 'serverD', recipient: 'serverD', returnType: 'auto' }));
    expect(started).toBe(1);
    expect(b.table.size).toBe(1);
  });

  test('abandon gives back every grant and ticket it reserved', () => {
    const b = exporter('serverB');
    const granting = new RefEncoder({ owner: b, peer: 'peerA', destination: '', recipient: '', returnType: 'auto' });
    encodeNow(msgpackCodec, [() => 1, () => 2], granting);
    const ticketing = new RefEncoder({ owner: b, destination: 'serverD', recipient: 'serverD', returnType: 'auto' });
    encodeNow(msgpackCodec, [() => 3], ticketing);
    expect(b.table.size).toBe(3);
    granting.abandon();
    ticketing.abandon();
    expect(b.table.size).toBe(0);
  });

  test('a value that changes between passes fails the message and gives back what it reserved', async () => {
    const client = new FakeRefClient();
    const b = exporter('serverB');
    const proxy = makeProxy({ ref: new RemoteRef(client, 'serverC', 'obj5', false, 'Thing'), path: [], options: defaultCallOptions });
    const args: unknown[] = [() => 1, proxy];
    const encoding = encodeLater(msgpackCodec, { args }, new RefEncoder({ owner: b, destination: 'serverD', recipient: 'serverD', returnType: 'auto' }));
    args[0] = () => 2;
    await expect(encoding).rejects.toThrow(InvalidArgumentError);
    expect(b.table.size).toBe(0);
  });

  test("'value' and by-value types stay values; 'proxy' forces the result by reference", () => {
    const b = exporter('serverB');
    const instance = new (class Point { x = 1; norm(): number { return 1; } })();
    encodeNow(msgpackCodec, [{ a: 1 }, [1], new Date(0)], new RefEncoder({ owner: b, peer: 'p', destination: '', recipient: '', returnType: 'auto' }));
    expect(b.table.size).toBe(0);
    encodeNow(msgpackCodec, [instance], new RefEncoder({ owner: b, peer: 'p', destination: '', recipient: '', returnType: 'value' }));
    expect(b.table.size).toBe(0);
    const data = { plain: true };
    encodeNow(msgpackCodec, data, new RefEncoder({ owner: b, peer: 'p', destination: '', recipient: '', returnType: 'proxy', forceRef: data }));
    expect(b.table.size).toBe(1);
  });
});
