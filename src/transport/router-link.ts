import { rmSync } from 'node:fs';
import { Router } from 'zeromq';
import type { Codec } from '../wire/codec.js';
import { headerCodec, unpackFrames, type EncodedMessage, type ReceivedBatch } from '../wire/frames.js';
import { report } from '../diagnostics.js';
import { checkAddress, isLocalOnly } from './endpoint.js';
import { Link } from './link.js';
import { receiveEach } from './receive-each.js';
import type { Destination } from './outbox.js';
import { zmqOptions, type LinkOptions } from './socket-options.js';

/** What a RouterLink reports to its owner. */
export interface RouterEvents {
  batch(peer: string, batch: ReceivedBatch): void;
  /**
   * A batch that failed its checks; `peer` is the sender's routing id when there was one, `codec`
   * the codec its header named when it was readable.
   */
  rejected(peer: string | undefined, error: unknown, codec: Codec | undefined): void;
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
 * per peer per drain) and the receive loop. Peers are named by their routing id, as hex.
 */
export class RouterLink extends Link<Router> {
  /** The resolved endpoint (a `*` port replaced by the real one). */
  address = '';
  /** Bound to loopback or ipc only: every peer is on this machine. */
  readonly local: boolean;

  private constructor(
    address: string,
    private readonly authkey: Buffer | undefined,
    private readonly events: RouterEvents,
    options: RouterLinkOptions,
  ) {
    const socket = new Router({
      ...zmqOptions(options, address),
      mandatory: true,
      handover: true,
      // a full peer queue fails the send at once: the outbox parks that peer and serves the others
      sendTimeout: 0,
    });
    super(socket, (err, dest, n) => events.sendFailed(dest.key, err, n));
    this.outbox.waitWhenBlocked(options.sendTimeout ?? 5_000);
    this.local = isLocalOnly(address);
  }

  /** Binds a ROUTER to `address` and starts receiving. */
  static async open(address: string, authkey: Buffer | undefined, events: RouterEvents, options: RouterLinkOptions = {}): Promise<RouterLink> {
    checkAddress(address);
    const link = new RouterLink(address, authkey, events, options);
    try {
      await link.socket.bind(address);
    } catch (err) {
      link.socket.close();
      throw err;
    }
    link.address = link.socket.lastEndpoint ?? address;
    void link.receiveLoop();
    void link.watchDisconnects();
    return link;
  }

  /** Queues a message for `peer` in `codec` (the codec that peer speaks). */
  send(peer: string, codec: Codec, message: EncodedMessage): void {
    const dest: Destination = { key: peer, route: [Buffer.from(peer, 'hex')], codec, authkey: this.authkey, localLink: this.local };
    this.outbox.push(dest, message);
  }

  /** Queues an unsigned message for `peer`: only for telling a peer its messages fail authentication. */
  sendUnsigned(peer: string, codec: Codec, message: EncodedMessage): void {
    const dest: Destination = { key: `${peer}/unsigned`, route: [Buffer.from(peer, 'hex')], codec, authkey: undefined, localLink: false };
    this.outbox.push(dest, message);
  }

  // neither zeromq.js nor libzmq removes the socket file of an ipc:// endpoint it bound
  protected override afterClose(): void {
    if (this.address.startsWith('ipc://')) rmSync(this.address.slice('ipc://'.length), { force: true });
  }

  // read as an async iterator, like DealerLink's watch (see there why)
  private async watchDisconnects(): Promise<void> {
    try {
      for await (const event of this.socket.events) if (event.type === 'disconnect') this.events.disconnected();
    } catch {
      // the observer ends with the socket
    }
  }

  private async receiveLoop(): Promise<void> {
    try {
      await receiveEach(this.socket, (frames) => this.onFrames(frames));
    } catch (err) {
      if (!this.closed) this.events.rejected(undefined, err, undefined);
    }
  }

  private onFrames([id, ...frames]: Buffer[]): void {
    const peer = id ? id.toString('hex') : undefined;
    let batch: ReceivedBatch;
    try {
      if (!peer) throw new Error('message without routing id');
      batch = unpackFrames(frames, this.authkey, this.local);
    } catch (err) {
      try {
        this.events.rejected(peer, err, headerCodec(frames));
      } catch (notified) {
        report('error', `server at ${this.address}: answering a rejected batch failed`, notified);
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
