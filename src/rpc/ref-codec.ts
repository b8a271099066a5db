/**
 * What references mean on this side: the hooks the codec calls to turn local objects and
 * proxies into references (with the transfer tickets that keep objects alive in transit), and
 * references into proxies or, at their owner, the objects themselves.
 */
import { InvalidArgumentError } from '../errors.js';
import type { RefDecodeHooks, RefEncodeHooks, RefWire } from '../wire/refs.js';
import type { ReturnType } from './messages.js';
import { ensureLocalServer, isMarkedByRef, serverById } from './local.js';
import { proxyState, type ProxyState } from './proxy.js';
import type { RPCServer } from './server.js';
import { RPCClient } from './client.js';

/** How a message being encoded treats references. */
export interface RefEncoderOptions {
  /** The server owning the local objects sent: the replying server, or this process's callback server. */
  owner: RPCServer | undefined;
  /** When a server replies: the peer's routing id, counted directly as holder of what it receives. */
  peer?: string;
  /** Id of the server on the receiving side ('' when unknown): its own objects travel without tickets. */
  destination: string;
  returnType: ReturnType;
  /** A value to send by reference whatever its type (the result of a `'proxy'` return). */
  forceRef?: unknown;
}

function nameOf(value: object): string {
  if (typeof value === 'function') return value.name;
  return (value.constructor as { name?: string } | undefined)?.name ?? 'Object';
}

const PLACEHOLDER: RefWire = { server: '', address: '', obj: 0, ticket: 0, path: [], callable: false, name: '' };

/** One reference an encoder handed out, in the order the codec asked for them. */
type Occurrence = (
  | { kind: 'ready'; ref: RefWire; undo?: () => void }
  /** a local object waiting for this process's callback server to start */
  | { kind: 'local'; value: object }
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
    if (proxy) {
      proxy.ref.check();
      // a reference going home needs no counting: its owner resolves it to the object
      if (proxy.ref.server === this.opts.destination) return { ...proxyWire(proxy), ticket: 0 };
    } else {
      const forced = value === this.opts.forceRef || isMarkedByRef(value);
      if (!forced && (byValue || (this.opts.returnType === 'value' && typeof value !== 'function'))) return undefined;
    }
    let occ = this.occurrences[this.cursor];
    if (!occ) {
      occ = proxy ? this.forward(proxy, value) : this.local(value);
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

  private local(value: object): Occurrence {
    const owner = this.opts.owner;
    if (!owner) {
      this.waiting++;
      return { kind: 'local', value };
    }
    const base = { server: owner.id, address: owner.advertisedAddress, path: [], callable: typeof value === 'function', name: nameOf(value) };
    const peer = this.opts.peer;
    if (peer !== undefined) {
      const obj = owner.table.grant(value, peer);
      return { kind: 'ready', ref: { ...base, obj, ticket: 0 }, undo: () => owner.table.release(obj, peer, 1), value };
    }
    const { obj, ticket } = owner.table.issueTicket(value, this.opts.destination);
    return { kind: 'ready', ref: { ...base, obj, ticket }, undo: () => owner.table.consumeTicket(ticket), value };
  }

  /** Gets what the last encode lacked: the callback server, tickets for forwarded proxies. */
  async prepare(): Promise<void> {
    if (this.occurrences.some((o) => o.kind === 'local')) this.opts.owner ??= await ensureLocalServer();
    await Promise.all(
      this.occurrences.map(async (occ, i) => {
        if (occ.kind === 'local') {
          this.occurrences[i] = this.local(occ.value);
        } else if (occ.kind === 'forward') {
          const ticket = await occ.proxy.ref.client.requestTicket(occ.proxy.ref, this.opts.destination);
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
  return { server: ref.server, address: ref.client.address, obj: ref.obj, path: [...p.path], callable: ref.callable, name: ref.name };
}

/** The decode-side hooks: references become proxies, or objects when they come home. */
export class RefDecoder implements RefDecodeHooks {
  /**
   * @param via the client a reply came through: a reference without ticket that is not ours
   * was counted by that client's server for this process.
   */
  constructor(private readonly via: RPCClient | undefined) {}

  fromRef(ref: RefWire): unknown {
    // a server granting a reference in its reply counted this client: keep it a proxy, even when
    // that server runs in this very process, or the grant would never be released
    const granted = ref.ticket === 0 && this.via !== undefined && ref.server === this.via.server?.server;
    const home = granted ? undefined : serverById(ref.server);
    if (home) {
      const obj = home.table.get(ref.obj);
      if (ref.ticket) home.table.consumeTicket(ref.ticket);
      return home.resolvePath(obj, ref.path);
    }
    const client = granted ? this.via! : RPCClient.forReference(ref.address, ref.server);
    if (ref.ticket) client.claim(ref.ticket);
    const proxy = client.proxyFor(ref);
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
