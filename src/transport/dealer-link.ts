import { randomBytes } from 'node:crypto';
import { Dealer } from 'zeromq';
import type { Codec } from '../wire/codec.js';
import { unpackFrames, type EncodedMessage, type ReceivedBatch } from '../wire/frames.js';
import { report } from '../diagnostics.js';
import { checkAddress, isLocalOnly } from './endpoint.js';
import { Link } from './link.js';
import { receiveEach } from './receive-each.js';
import type { Destination } from './outbox.js';
import { zmqOptions, type LinkOptions } from './socket-options.js';

/** What a DealerLink reports to its owner. */
export interface DealerEvents {
  batch(batch: ReceivedBatch): void;
  /** A batch that failed its checks (garbage, bad signature), with its frames; it was dropped. */
  rejected(error: unknown, frames: Buffer[] | undefined): void;
  /**
   * The connection is lost (`disconnected`) or nothing answers at the address (`unreachable`:
   * a connection attempt failed). ZeroMQ keeps trying to reconnect either way.
   */
  lost(why: 'disconnected' | 'unreachable'): void;
  /** A batch could not be sent. */
  sendFailed(error: unknown, messages: number): void;
}

/**
 * A client's connection: one DEALER socket to one server address, its send queue, its receive
 * loop and a watch on the connection. A stable routing id lets the server recognise the client
 * across reconnects. Like any open socket in Node, an open link keeps the process alive until
 * it is closed (a zeromq.js socket offers no unref, and a monitor cannot be restarted).
 */
export class DealerLink extends Link<Dealer> {
  private readonly dest: Destination;
  /** The address is loopback/ipc, or the server said it binds loopback/ipc only: both ends are here. */
  private localLink: boolean;

  constructor(
    readonly address: string,
    codec: Codec,
    authkey: Buffer | undefined,
    private readonly events: DealerEvents,
    options: LinkOptions = {},
    readonly routingId = randomBytes(8).toString('hex'),
  ) {
    checkAddress(address);
    super(new Dealer({ ...zmqOptions(options, address), routingId }), (err, _dest, n) => events.sendFailed(err, n));
    // attachments signed by length are sent only once the server said it binds locally only
    this.dest = { key: '', route: [], codec, authkey, localLink: false };
    this.localLink = isLocalOnly(address);
    this.socket.connect(address);
    void this.receiveLoop();
    void this.watchConnection();
  }

  /** Records whether the server binds loopback/ipc only (it says so in its hello reply). */
  setServerLocal(local: boolean): void {
    // a server bound to loopback/ipc can only be reached from this machine, whatever name we used
    this.localLink ||= local;
    this.dest.localLink = local;
  }

  /** Queues a message for the server (QueueFullError when the queue is at its limit). */
  send(message: EncodedMessage): void {
    this.outbox.push(this.dest, message);
  }

  // The observer is read as an async iterator: its event-emitter mode captures `require` from the
  // first module registry that loaded zeromq, which breaks under jest's per-file registries.
  private async watchConnection(): Promise<void> {
    try {
      for await (const event of this.socket.events) {
        if (event.type === 'disconnect') this.events.lost('disconnected');
        else if (event.type === 'connect:retry') this.events.lost('unreachable');
      }
    } catch {
      // the observer ends with the socket
    }
  }

  private async receiveLoop(): Promise<void> {
    try {
      await receiveEach(this.socket, (frames) => this.onFrames(frames));
    } catch (err) {
      if (!this.closed) this.events.rejected(err, undefined);
    }
  }

  private onFrames(frames: Buffer[]): void {
    let batch: ReceivedBatch;
    try {
      batch = unpackFrames(frames, this.dest.authkey, this.localLink);
    } catch (err) {
      try {
        this.events.rejected(err, frames);
      } catch (notified) {
        report('error', `client of ${this.address}: handling a rejected batch failed`, notified);
      }
      return;
    }
    try {
      this.events.batch(batch);
    } catch (err) {
      // a handler's failure (a user callback that threw) must not end the receive loop
      report('error', `client of ${this.address}: a reply handler failed`, err);
    }
  }
}
