/**
 * A server written by hand, as one in another language would be: it answers `hello` itself and
 * every other request with what the test's `answer` returns (JSON bodies, written as plain JSON),
 * and keeps every request it got. For tests of what a client sends, and of what it makes of
 * replies no zeroproc server would send. Requests are recorded, and replies written, as maps; they
 * travel in their wire form.
 */
import { Router } from 'zeromq';
import { batchMessages, PROTOCOL_VERSION, unpackFrames } from '../../src/wire/frames.js';
import { BadRequest, readRequest, replyToWire, type Reply } from '../../src/rpc/messages.js';

export type Request = { type: string; id: number } & Record<string, unknown>;

export class FakeServer {
  /** Every request received, in order (after decoding; references stay in their wire form). */
  readonly requests: Request[] = [];
  private constructor(
    private readonly router: Router,
    private readonly answer: (request: Request) => unknown,
  ) {}

  /** Binds on loopback, with no key (connect with `{ authkey: '' }`). */
  static async start(answer: (request: Request) => unknown): Promise<FakeServer> {
    const router = new Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    const server = new FakeServer(router, answer);
    // ends when the socket closes
    server.serve().catch(() => undefined);
    return server;
  }

  get address(): string {
    return this.router.lastEndpoint!;
  }

  private async serve(): Promise<void> {
    for (;;) {
      const [peer, ...frames] = await this.router.receive();
      const batch = unpackFrames(frames);
      const decoded = batchMessages(batch, { hooks: { fromRef: (ref) => ref }, attachments: batch.attachments, next: 0, failures: 0 });
      for (const raw of decoded) {
        const read = readRequest(raw);
        if (read instanceof BadRequest) throw new Error(`the client sent a bad request: ${read.problem}`);
        const m = read as unknown as Request;
        this.requests.push(m);
        const reply =
          m.type === 'hello'
            ? { type: 'ok', id: m.id, value: { name: 'fake', pid: 1, host: 'h', server: 'fake-server', protocol: `zeroproc/${PROTOCOL_VERSION}`, heartbeat: 5000, maxMessageSize: 1 << 20 } }
            : this.answer(m);
        if (reply !== undefined) await this.router.send([peer!, Buffer.concat([Buffer.of(0x5a, 0x50, PROTOCOL_VERSION, 0x6a), Buffer.from(JSON.stringify([replyToWire(reply as Reply)]))])]);
      }
    }
  }

  close(): void {
    this.router.close();
  }
}
