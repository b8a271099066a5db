import { randomBytes } from 'node:crypto';
import { Dealer } from 'zeromq';
import type { Codec } from '../wire/codec.js';
import { unpackFrames, type EncodedMessage, type ReceivedBatch } from '../wire/frames.js';
import { report } from '../diagnostics.js';
import { linkSecurity, type LinkKey, type LinkSecurity } from './curve.js';
import { checkAddress } from './endpoint.js';
import { Link } from './link.js';
import { receiveEach } from './receive-each.js';
import type { Destination } from './outbox.js';
import { zmqOptions, type LinkOptions } from './socket-options.js';

/** What a DealerLink reports to its owner. */
export interface DealerEvents {
  batch(batch: ReceivedBatch): void;
  /** A batch that failed its checks (not a zeroproc message of this version); it was dropped. */
  rejected(error: unknown): void;
  /**
   * The connection is lost (`disconnected`) or nothing answers at the address (`unreachable`:
   * a connection attempt failed). ZeroMQ keeps trying to reconnect either way.
   */
  lost(why: 'disconnected' | 'unreachable'): void;
  /**
   * The server refused the connection's security handshake (`why` says how): another authkey,
   * or the two ends disagree on the mechanism. ZeroMQ keeps trying.
   */
  refused(why: string): void;
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
  /** How the link is secured, from the address and the key (the server judges alike). */
  readonly security: LinkSecurity;

  constructor(
    readonly address: string,
    codec: Codec,
    key: LinkKey | undefined,
    private readonly events: DealerEvents,
    options: LinkOptions = {},
    readonly routingId = randomBytes(8).toString('hex'),
  ) {
    checkAddress(address);
    const security = linkSecurity(address, key, 'client');
    const curve = security.mechanism === 'curve'
      ? { curveServerKey: security.keys.server.publicKey, curvePublicKey: security.keys.client.publicKey, curveSecretKey: security.keys.client.secretKey }
      : {};
    super(new Dealer({ ...zmqOptions(options, address), ...curve, routingId }), (err, _dest, n) => events.sendFailed(err, n));
    this.security = security;
    this.dest = { key: '', route: [], codec };
    // the monitor first: a handshake refused at once must not happen before anyone watches
    void this.watchConnection();
    this.socket.connect(address);
    void this.receiveLoop();
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
        else if (event.type.startsWith('handshake:error:')) this.onHandshakeError(event.type, (event as { error?: { code?: string } }).error?.code);
      }
    } catch {
      // the observer ends with the socket
    }
  }

  /**
   * A failed handshake never reaches the application as a message: the server refused our key
   * (ZAP 400), could not decrypt our CURVE hello (another authkey: it drops the connection, which
   * a CURVE client sees as an unexplained failure), or speaks another mechanism.
   */
  private onHandshakeError(type: string, code: string | undefined): void {
    let why: string | undefined;
    if (type === 'handshake:error:auth') why = 'the server refused our CURVE key (it has another authkey)';
    else if (code === 'ERR_ZMTP_MECHANISM_MISMATCH') why = `the server uses another security mechanism (this side: ${this.security.mechanism === 'curve' ? 'CURVE, from its authkey' : 'none'}; one side has an authkey the other lacks)`;
    else if (this.security.mechanism === 'curve') why = `the CURVE handshake failed (${code ?? type}): the server has another authkey`;
    if (why) this.events.refused(why);
  }

  private async receiveLoop(): Promise<void> {
    try {
      await receiveEach(this.socket, (frames) => this.onFrames(frames));
    } catch (err) {
      if (!this.closed) this.events.rejected(err);
    }
  }

  private onFrames(frames: Buffer[]): void {
    let batch: ReceivedBatch;
    try {
      batch = unpackFrames(frames);
    } catch (err) {
      this.events.rejected(err);
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
