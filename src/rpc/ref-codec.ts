/**
 * What references mean on this side: the hooks the codec calls to turn local objects and
 * proxies into references (with the transfer tickets that keep objects alive in transit), and
 * references into proxies or, at their owner, the objects themselves.
 *
 * The codec sees the rest of the RPC layer only through the interfaces below (the way capnweb's
 * serializer sees its session through `Exporter` and `Importer`): a {@link RefExporter} is a
 * server lending its objects out, a {@link RefImporter} a connection to another process's
 * server. Nothing here imports the client or the server, so the ticket and grant logic can be
 * tested without sockets.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Codec } from '../wire/codec.js';
import type { EncodedMessage } from '../wire/frames.js';
import type { RefDecodeHooks, RefEncodeHooks, RefWire } from '../wire/refs.js';
import type { ReturnTypeOption } from './messages.js';
import type { ObjectTable } from './object-table.js';
import { policyOf } from './exposure.js';
import { isMarkedByRef } from './local.js';
import { proxyState, type ProxyState } from './proxy.js';
import { RemoteStream } from './stream-consumer.js';
import { goesAsStream, streamedBy, streamSourceFor } from './stream-source.js';

/** A server that lends its objects out by reference: what the codec needs of it. */
export interface RefExporter {
  /** Id of the server instance; references to its objects carry it. */
  readonly id: string;
  /** Where the receivers of its references connect. */
  readonly advertisedAddress: string;
  readonly table: ObjectTable;
  /** Walks `path` from `root` as a request's path is walked (forbidden segments refused). */
  resolvePath(root: unknown, path: readonly string[]): unknown;
  /** The window of the streams it sends (undefined: the default). */
  readonly streamWindow?: number;
}

/** A connection to the server that owns a reference: how a received reference becomes a proxy. */
export interface RefImporter {
  /** What the server at the other end said about itself (undefined before its hello reply). */
  readonly server: { readonly server: string } | undefined;
  /** Claims a ticket the reference came with, issued for `recipient` (its count moves to this connection). */
  claim(ticket: string, recipient: string): void;
  /** A proxy for `ref`, held through this connection. */
  proxyFor(ref: RefWire): unknown;
}

/** How a message being encoded treats references. */
export interface RefEncoderOptions {
  /** The server owning the local objects sent: the replying server, or this process's callback server. */
  owner: RefExporter | undefined;
  /** Starts the owner when there is none yet and a local object must go by reference. */
  startOwner?: () => Promise<RefExporter>;
  /** When a server replies: the peer's routing id, counted directly as holder of what it receives. */
  peer?: string;
  /** Id of the server on the receiving side ('' when unknown): its own objects travel without tickets. */
  destination: string;
  /** Who tickets are issued for: the receiving server's id, or `recipientOf` the peer a server replies to. */
  recipient: string;
  returnType: ReturnTypeOption;
  /** A value to send by reference whatever its type (the result of a `'proxy'` return). */
  forceRef?: unknown;
}

function nameOf(value: object): string {
  if (typeof value === 'function') return value.name;
  return (value.constructor as { name?: string } | undefined)?.name ?? 'Object';
}

const PLACEHOLDER: RefWire = { server: '', address: '', obj: '', ticket: '', path: [], callable: false, name: '' };

/** One reference an encoder handed out, in the order the codec asked for them. */
type Occurrence = (
  | { kind: 'ready'; ref: RefWire; undo?: () => void }
  /** a local object waiting for this process's callback server to start */
  | { kind: 'local'; value: object; stream: boolean }
  /** a proxy to a third process's object, waiting for a ticket from its owner */
  | { kind: 'forward'; proxy: ProxyState }
) & {
  /** The value it was made for: a later pass must meet the same value at the same place. */
  value: object;
};

/**
 * The encode-side hooks for one message. Every occurrence of a reference is counted once (the
 * receiver makes one proxy per occurrence and releases each). When a reference needs something
 * asynchronous first (the callback server to start, a ticket from a third process), the message
 * is encoded with placeholders, `complete` is false, and after `prepare()` it is encoded again:
 * `rewind()` before each pass hands out the same references in the same order.
 */
export class RefEncoder implements RefEncodeHooks {
  private readonly occurrences: Occurrence[] = [];
  private cursor = 0;
  private waiting = 0;

  constructor(private readonly opts: RefEncoderOptions) {}

  /** Whether the last encode had everything it needed. */
  get complete(): boolean {
    return this.waiting === 0;
  }

  /** Starts an encode pass. */
  rewind(): void {
    this.cursor = 0;
  }

  toRef(value: object, byValue: boolean): RefWire | undefined {
    const proxy = proxyState(value);
    let stream = false;
    if (proxy) {
      proxy.ref.check();
      // a reference going home needs no counting: its owner resolves it to the object
      if (proxy.ref.server === this.opts.destination) return { ...proxyWire(proxy), ticket: '' };
    } else {
      const forced = value === this.opts.forceRef || isMarkedByRef(value);
      stream = !forced && goesAsStream(value, byValue);
      if (!forced && !stream && (byValue || (this.opts.returnType === 'value' && typeof value !== 'function'))) return undefined;
    }
    let occ = this.occurrences[this.cursor];
    if (!occ) {
      occ = proxy ? this.forward(proxy, value) : this.local(value, stream);
      this.occurrences.push(occ);
    } else if (occ.value !== value) {
      throw new InvalidArgumentError('a value sent by reference changed while the message waited to be sent; send it again');
    }
    this.cursor++;
    return occ.kind === 'ready' ? occ.ref : PLACEHOLDER;
  }

  private forward(proxy: ProxyState, value: object): Occurrence {
    this.waiting++;
    return { kind: 'forward', proxy, value };
  }

  private local(value: object, stream: boolean): Occurrence {
    const owner = this.opts.owner;
    if (!owner) {
      this.waiting++;
      return { kind: 'local', value, stream };
    }
    // a stream goes as the source that pulls it, and says so, with the window to pull it with
    const source = stream ? streamSourceFor(value, owner.streamWindow) : undefined;
    const target = source ?? value;
    const base = {
      server: owner.id, address: owner.advertisedAddress, path: [], callable: typeof value === 'function', name: source?.name ?? nameOf(value),
      oneway: policyOf(target).onewayList, ...(source ? { stream: source.window } : {}),
    };
    const peer = this.opts.peer;
    if (peer !== undefined) {
      const obj = owner.table.grant(target, peer);
      return { kind: 'ready', ref: { ...base, obj, ticket: '' }, undo: () => owner.table.release(obj, peer, 1), value };
    }
    const { obj, ticket } = owner.table.issueTicket(target, this.opts.recipient);
    return { kind: 'ready', ref: { ...base, obj, ticket }, undo: () => owner.table.consumeTicket(ticket), value };
  }

  /** Gets what the last encode lacked: the callback server, tickets for forwarded proxies. */
  async prepare(): Promise<void> {
    if (!this.opts.owner && this.occurrences.some((o) => o.kind === 'local')) {
      if (!this.opts.startOwner) throw new InvalidArgumentError('a local object cannot go by reference here: this side serves no objects');
      this.opts.owner = await this.opts.startOwner();
    }
    await Promise.all(
      this.occurrences.map(async (occ, i) => {
        if (occ.kind === 'local') {
          this.occurrences[i] = this.local(occ.value, occ.stream);
        } else if (occ.kind === 'forward') {
          const ticket = await occ.proxy.ref.client.requestTicket(occ.proxy.ref, this.opts.recipient);
          this.occurrences[i] = { kind: 'ready', ref: { ...proxyWire(occ.proxy), ticket }, value: occ.value };
        }
      }),
    );
    this.waiting = 0;
  }

  /** Gives back what this encoder reserved here: the message will not be sent. */
  abandon(): void {
    for (const occ of this.occurrences) if (occ.kind === 'ready') occ.undo?.();
    this.occurrences.length = 0;
  }
}

function proxyWire(p: ProxyState): Omit<RefWire, 'ticket'> {
  const { ref } = p;
  return { server: ref.server, address: ref.client.address, obj: ref.obj, path: [...p.path], callable: ref.callable, name: ref.name, oneway: ref.oneway };
}

/** Whether `value` can hold no reference (it is neither an object nor a function), so it needs no {@link RefEncoder}. */
export function holdsNoReference(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/**
 * Encodes a message that holds no reference: a call whose arguments are neither objects nor
 * functions, its reply, an error reply. A RefEncoder and its options per message are most of
 * what encoding such a message would otherwise allocate.
 */
export function encodePlain(codec: Codec, message: unknown): EncodedMessage {
  const attachments: Buffer[] = [];
  return { data: codec.encode(message, { hooks: undefined, attachments }), attachments };
}

/**
 * Encodes `message` with `encoder` as its reference hooks. When every reference is complete, the
 * encoded message comes back at once (the usual case, with no allocation for the wait); when the
 * encoder lacks something (a ticket, the callback server), a promise of it, after the encoder
 * prepared it and encoded again. Throws, or rejects, when the message cannot be encoded, after
 * giving back what the encoder reserved.
 */
export function encodeWithRefs(codec: Codec, message: unknown, encoder: RefEncoder): EncodedMessage | Promise<EncodedMessage> {
  return encodePass(codec, message, encoder) ?? prepareAndEncode(codec, message, encoder);
}

function encodePass(codec: Codec, message: unknown, encoder: RefEncoder): EncodedMessage | undefined {
  const attachments: Buffer[] = [];
  try {
    encoder.rewind();
    const data = codec.encode(message, { hooks: encoder, attachments });
    return encoder.complete ? { data, attachments } : undefined;
  } catch (error) {
    encoder.abandon();
    throw error;
  }
}

async function prepareAndEncode(codec: Codec, message: unknown, encoder: RefEncoder): Promise<EncodedMessage> {
  // a later pass may meet references the first did not (the value changed meanwhile)
  for (;;) {
    try {
      await encoder.prepare();
    } catch (error) {
      encoder.abandon();
      throw error;
    }
    const encoded = encodePass(codec, message, encoder);
    if (encoded) return encoded;
  }
}

/** What a {@link RefDecoder} turns references into. */
export interface RefDecoderContext {
  /**
   * The connection a reply came through (none at a server): a reference without ticket that is
   * not ours was counted by that connection's server for this process.
   */
  via?: RefImporter;
  /** Who the tickets in this message were issued for: this server's id, or how this client introduced itself. */
  recipient: string;
  /** The server of this process whose id is `id`, if one runs here. */
  home(id: string): RefExporter | undefined;
  /** The connection to use for a reference owned by server `serverId` at `address`. */
  connect(address: string, serverId: string): RefImporter;
}

/** The decode-side hooks: references become proxies, or objects when they come home. */
export class RefDecoder implements RefDecodeHooks {
  constructor(private readonly context: RefDecoderContext) {}

  fromRef(ref: RefWire): unknown {
    const { via } = this.context;
    // a server granting a reference in its reply counted this client: keep it a proxy, even when
    // that server runs in this very process, or the grant would never be released
    const granted = ref.ticket === '' && via !== undefined && ref.server === via.server?.server;
    const home = granted ? undefined : this.context.home(ref.server);
    if (home) {
      const obj = home.table.get(ref.obj);
      if (ref.ticket) home.table.consumeTicket(ref.ticket);
      const target = home.resolvePath(obj, ref.path);
      return ref.stream === undefined ? target : streamedBy(target);
    }
    const client = granted ? via : this.context.connect(ref.address, ref.server);
    if (ref.ticket) client.claim(ref.ticket, this.context.recipient);
    const proxy = client.proxyFor(ref);
    if (ref.stream !== undefined) return new RemoteStream(proxy, ref.stream);
    return referenceView ? referenceView(proxy, ref) : proxy;
  }
}

let referenceView: ((proxy: unknown, ref: RefWire) => unknown) | undefined;

/**
 * @internal Lets a higher layer give the proxies of references it recognises their own face
 * (the actor layer turns references to actors into actor references, whose tells go `'off'`).
 * `view` gets every proxy decoded from a reference and returns it or its replacement.
 */
export function setReferenceView(view: ((proxy: unknown, ref: RefWire) => unknown) | undefined): void {
  referenceView = view;
}
