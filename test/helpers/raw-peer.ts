/**
 * A peer that speaks the wire protocol by hand, as a client in another language would: it sends
 * what it likes and reads only when asked, so tests can play a peer that ignores the limits.
 */
import { Dealer } from 'zeromq';
import { deriveCurveKeys, getDefaultAuthkey } from '../../src/index.js';
import { linkSecurity } from '../../src/transport/curve.js';
import { batchMessages, packFrames, unpackFrames } from '../../src/wire/frames.js';
import { msgpackCodec } from '../../src/wire/msgpack-codec.js';
import { readReply, requestToWire, type Request } from '../../src/rpc/messages.js';
import type { RefWire } from '../../src/wire/refs.js';

/**
 * A DEALER for `address` that holds `key` (default: this process's default key), so it passes the
 * server's handshake whatever the link's mechanism: CURVE with the derived client keys, nothing
 * on a private ipc address. Its bytes then reach the server's decoder.
 */
export function keyHolderDealer(address: string, options: ConstructorParameters<typeof Dealer>[0] = {}, key: Uint8Array = getDefaultAuthkey()): Dealer {
  const curve = linkSecurity(address, Buffer.from(key), 'client').mechanism === 'curve';
  const keys = deriveCurveKeys(key);
  return new Dealer({
    linger: 0,
    ...(curve ? { curveServerKey: keys.server.publicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey } : {}),
    ...options,
  });
}

export class RawPeer {
  readonly socket: Dealer;

  constructor(address: string, receiveHighWaterMark = 1000, key?: Uint8Array) {
    this.socket = keyHolderDealer(address, { receiveHighWaterMark }, key);
    this.socket.connect(address);
  }

  /**
   * Sends one batch of `messages` (MessagePack) with `attachments` after the body. A message
   * written as a map (`{ type: 'call', ... }`) is put in its wire form, field by field as the
   * JS client would (a field it lacks travels as Undefined); an array goes as it is.
   */
  send(messages: object[], attachments: Buffer[] = []): Promise<void> {
    const encoded = messages.map((m) => ({ data: msgpackCodec.encode(Array.isArray(m) ? m : requestToWire(m as Request), { hooks: undefined, attachments: [] }), attachments: [] as Buffer[] }));
    encoded[encoded.length - 1]!.attachments = attachments;
    return this.socket.send(packFrames(msgpackCodec, encoded));
  }

  /** Receives one batch of replies, each as a map (`{ type: 'ok', id, value }`); references in them stay in their wire form. */
  async receive(): Promise<unknown[]> {
    const batch = unpackFrames(await this.socket.receive());
    return batchMessages(batch, { hooks: { fromRef: (ref: RefWire) => ref }, attachments: batch.attachments, next: 0, failures: 0 }).map((m) => readReply(m) ?? m);
  }

  /** The wire reference of the object the server published as `name`. */
  async published(name: string): Promise<RefWire> {
    await this.send([{ type: 'published', id: 1, name }]);
    const [reply] = (await this.receive()) as Array<{ type: string; value: RefWire }>;
    if (reply?.type !== 'ok') throw new Error(`published ${name}: ${JSON.stringify(reply)}`);
    return reply.value;
  }

  close(): void {
    this.socket.close();
  }
}
