/**
 * A peer that speaks the wire protocol by hand, as a client in another language would: it sends
 * what it likes and reads only when asked, so tests can play a peer that ignores the limits.
 */
import { Dealer } from 'zeromq';
import { packFrames, unpackFrames } from '../../src/wire/frames.js';
import { msgpackCodec } from '../../src/wire/msgpack-codec.js';
import type { RefWire } from '../../src/wire/refs.js';

export class RawPeer {
  readonly socket: Dealer;

  constructor(address: string, receiveHighWaterMark = 1000) {
    this.socket = new Dealer({ linger: 0, receiveHighWaterMark });
    this.socket.connect(address);
  }

  /** Sends one batch of `messages` (unsigned, MessagePack) with `attachments` after the body. */
  send(messages: object[], attachments: Buffer[] = []): Promise<void> {
    const encoded = messages.map((m) => ({ data: msgpackCodec.encode(m, { hooks: undefined, attachments: [] }), attachments: [] as Buffer[] }));
    encoded[encoded.length - 1]!.attachments = attachments;
    return this.socket.send(packFrames(msgpackCodec, encoded, undefined));
  }

  /** Receives one batch; references in it come back as their wire form. */
  async receive(): Promise<unknown[]> {
    const batch = unpackFrames(await this.socket.receive(), undefined);
    return batch.codec.decodeBatch(batch.body, { hooks: { fromRef: (ref: RefWire) => ref }, attachments: batch.attachments, next: 0, failures: 0 });
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
