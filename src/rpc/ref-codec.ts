/**
 * What references mean on this side: the hooks the codec calls to turn local objects and
 * proxies into references (with the transfer tickets that keep objects alive in transit), and
 * references into proxies or, at their owner, the objects themselves.
 */
import type { RefDecodeHooks, RefEncodeHooks, RefWire } from '../wire/refs.js';
import type { ReturnType } from './messages.js';
import { ensureLocalServer, isMarkedByRef, serverById } from './local.js';
import { proxyState, type ProxyState } from './proxy.js';
import type { RemoteRef } from './remote-ref.js';
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

/**
 * The encode-side hooks for one message. When a reference needs something asynchronous first (a
 * callback server to start, a ticket from a third process), the message is encoded with
 * placeholders, `complete` is false, and after `prepare()` it is encoded again with the same
 * encoder, which reuses what it already decided.
 */
export class RefEncoder implements RefEncodeHooks {
  private readonly local = new Map<object, RefWire>();
  private readonly tickets = new Map<RemoteRef, number>();
  private missingTickets: ProxyState[] = [];
  private needServer = false;

  constructor(private readonly opts: RefEncoderOptions) {}

  /** Whether the last encode had everything it needed. */
  get complete(): boolean {
    return !this.needServer && this.missingTickets.length === 0;
  }

  toRef(value: object, byValue: boolean): RefWire | undefined {
    const proxy = proxyState(value);
    if (proxy) return this.proxyRef(proxy);
    const forced = value === this.opts.forceRef || isMarkedByRef(value);
    if (!forced) {
      if (byValue) return undefined;
      if (this.opts.returnType === 'value' && typeof value !== 'function') return undefined;
    }
    return this.localRef(value);
  }

  private proxyRef(p: ProxyState): RefWire {
    const { ref } = p;
    ref.check();
    const base = { server: ref.server, address: ref.client.address, obj: ref.obj, path: [...p.path], callable: ref.callable, name: ref.name };
    if (ref.server === this.opts.destination) return { ...base, ticket: 0 };
    const ticket = this.tickets.get(ref);
    if (ticket === undefined) {
      this.missingTickets.push(p);
      return PLACEHOLDER;
    }
    return { ...base, ticket };
  }

  private localRef(value: object): RefWire {
    const known = this.local.get(value);
    if (known) return known;
    const owner = this.opts.owner;
    if (!owner) {
      this.needServer = true;
      return PLACEHOLDER;
    }
    let obj: number;
    let ticket = 0;
    if (this.opts.peer !== undefined) obj = owner.table.grant(value, this.opts.peer);
    else ({ obj, ticket } = owner.table.issueTicket(value));
    const ref: RefWire = { server: owner.id, address: owner.address, obj, ticket, path: [], callable: typeof value === 'function', name: nameOf(value) };
    this.local.set(value, ref);
    return ref;
  }

  /** Gets what the last encode lacked: the callback server, tickets for forwarded proxies. */
  async prepare(): Promise<void> {
    if (this.needServer) {
      this.opts.owner = await ensureLocalServer();
      this.needServer = false;
    }
    const missing = this.missingTickets;
    this.missingTickets = [];
    await Promise.all(
      missing.map(async ({ ref }) => {
        if (this.tickets.has(ref)) return;
        const client = ref.client as RPCClient;
        this.tickets.set(ref, await client.requestTicket(ref));
      }),
    );
  }
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
    return client.proxyFor(ref);
  }
}
