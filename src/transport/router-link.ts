import { randomBytes } from 'node:crypto';
import { Router } from 'zeromq';
import type { Codec } from '../wire/codec.js';
import { unpackFrames, type EncodedMessage, type ReceivedBatch } from '../wire/frames.js';
import { rateLimited, report } from '../diagnostics.js';
import { linkSecurity, z85Decode, type LinkKey, type LinkSecurity } from './curve.js';
import { checkAddress } from './endpoint.js';
import { Link } from './link.js';
import { releaseBoundEndpoint } from './private-dir.js';
import { receiveEach } from './receive-each.js';
import type { Destination } from './outbox.js';
import { zmqOptions, type LinkOptions } from './socket-options.js';
import { registerZapDomain, unregisterZapDomain } from './zap.js';

/** What a RouterLink reports to its owner. */
export interface RouterEvents {
  batch(peer: string, batch: ReceivedBatch): void;
  /** A batch that failed its checks; `peer` is the sender's routing id when there was one. */
  rejected(peer: string | undefined, error: unknown): void;
  /** A batch for `peer` could not be sent (peer gone, or its queue stayed full). */
  sendFailed(peer: string, error: unknown, messages: number): void;
  /** ZeroMQ dropped a connection: a peer went away, or sent a frame over `maxMessageSize`. */
  disconnected(): void;
}

/** Options of a server socket. */
export interface RouterLinkOptions extends LinkOptions {
  /** How long a peer's queue may stay full (it reads nothing) before what waits for it is dropped, ms. */
  sendTimeout?: number;
}

/**
 * A server's socket: one ROUTER bound to an address, a send queue shared by all peers (a batch
 * per peer per drain) and the receive loop. Peers are named by their routing id, as hex. On a
 * CURVE link the ZAP handler admits only the clients of its keyset, under a domain of its own.
 */
export class RouterLink extends Link<Router> {
  /** The resolved endpoint (a `*` port replaced by the real one). */
  address = '';
  private readonly reportRefused = rateLimited('warn');
  private lastDest: Destination | undefined;
  /** Settles when libzmq has destroyed the socket (its monitor ended), or soon after close. */
  private destroyed: Promise<void> = Promise.resolve();

  private constructor(
    socketOptions: ReturnType<typeof zmqOptions>,
    readonly security: LinkSecurity,
    private readonly zapDomain: string | undefined,
    private readonly events: RouterEvents,
    options: RouterLinkOptions,
  ) {
    const curve = security.mechanism === 'curve' ? { curveServer: true, curveSecretKey: security.keys.server.secretKey!, zapDomain } : {};
    const socket = new Router({
      ...socketOptions,
      ...curve,
      mandatory: true,
      // with handover, a connection that names a live client's routing id takes over its session
      handover: false,
      // a full peer queue fails the send at once: the outbox parks that peer and serves the others
      sendTimeout: 0,
    });
    super(socket, (err, dest, n) => events.sendFailed(dest.key, err, n));
    this.outbox.waitWhenBlocked(options.sendTimeout ?? 5_000);
  }

  /**
   * Binds a ROUTER to `address` and starts receiving. `key` secures the link as
   * `linkSecurity` decides; `name` names the server in reports of refused connections.
   */
  static async open(address: string, key: LinkKey | undefined, events: RouterEvents, options: RouterLinkOptions = {}, name = address): Promise<RouterLink> {
    checkAddress(address);
    const security = linkSecurity(address, key, 'server');
    // every option is checked before the ZAP handler starts
    const socketOptions = zmqOptions(options, address);
    let zapDomain: string | undefined;
    if (security.mechanism === 'curve') {
      zapDomain = `zeroproc-${randomBytes(8).toString('hex')}`;
      const admitted = [security.keys.client.publicKey, ...(security.keys.admit ?? [])].map(z85Decode);
      await registerZapDomain(zapDomain, admitted, name);
    }
    let link: RouterLink;
    try {
      link = new RouterLink(socketOptions, security, zapDomain, events, options);
    } catch (err) {
      if (zapDomain) unregisterZapDomain(zapDomain);
      throw err;
    }
    link.destroyed = link.watchConnections(name);
    try {
      await link.socket.bind(address);
    } catch (err) {
      link.close();
      throw err;
    }
    link.address = link.socket.lastEndpoint ?? address;
    void link.receiveLoop();
    return link;
  }

  /** Queues a message for `peer` in `codec` (the codec that peer speaks). */
  send(peer: string, codec: Codec, message: EncodedMessage): void {
    // replies mostly go to the peer the last one went to: its destination (a routing-id buffer
    // decoded from hex, in an object) is made once, not per reply; one entry keeps it bounded
    let dest = this.lastDest;
    if (dest?.key !== peer || dest.codec !== codec) this.lastDest = dest = { key: peer, route: [Buffer.from(peer, 'hex')], codec };
    this.outbox.push(dest, message);
  }

  protected override afterClose(): void {
    if (this.zapDomain) {
      // the sessions of this socket hold pipes to the ZAP handler: closing the handler while they
      // end aborts libzmq (pipe.cpp "_state == term_ack_sent"), so it waits for the socket to be gone
      const domain = this.zapDomain;
      let fallback: NodeJS.Timeout | undefined;
      void Promise.race([this.destroyed, new Promise<void>((r) => (fallback = setTimeout(r, 2_000).unref()))]).then(() => {
        clearTimeout(fallback);
        unregisterZapDomain(domain);
      });
    }
    releaseBoundEndpoint(this.address);
  }

  /**
   * Reports connections refused at the handshake (garbage, another mechanism, a CURVE hello made
   * with another key), rate-limited: a stranger can trigger them at will; and tells the owner of
   * every dropped connection (a peer gone, or a frame over `maxMessageSize`). Clients refused by
   * key are reported by the ZAP handler, which knows their address.
   */
  private async watchConnections(name: string): Promise<void> {
    try {
      for await (const event of this.socket.events) {
        if (event.type === 'disconnect') this.events.disconnected();
        // ':other' is a peer gone mid-handshake (a client closed at once, a port scan): not a refusal
        else if (event.type === 'handshake:error:protocol') {
          this.reportRefused(`${name}: refused a connection at ${this.address}: its handshake failed (${event.error?.code ?? event.type}; garbage, or a peer without the right key)`);
        }
      }
    } catch {
      // the observer ends with the socket
    }
  }

  private async receiveLoop(): Promise<void> {
    try {
      await receiveEach(this.socket, (frames) => this.onFrames(frames));
    } catch (err) {
      if (!this.closed) this.events.rejected(undefined, err);
    }
  }

  private onFrames(frames: Buffer[]): void {
    const peer = frames.length > 0 ? frames[0]!.toString('hex') : undefined;
    let batch: ReceivedBatch;
    try {
      if (!peer) throw new Error('message without routing id');
      batch = unpackFrames(frames, 1);
    } catch (err) {
      try {
        this.events.rejected(peer, err);
      } catch (notified) {
        report('error', `server at ${this.address}: handling a rejected batch failed`, notified);
      }
      return;
    }
    try {
      this.events.batch(peer, batch);
    } catch (err) {
      // whatever a batch did, the server goes on reading the next one
      report('error', `server at ${this.address}: handling a batch failed`, err);
    }
  }
}
