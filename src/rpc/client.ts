/**
 * RPCClient: one connection from this process to one server, shared by every proxy to it.
 * It numbers requests, matches replies, enforces timeouts, batches releases, and rejects every
 * pending call at once when the server goes away.
 */
import { hostname } from 'node:os';
import {
  AuthError, DisconnectedError, InvalidArgumentError, MessageTooLargeError, NotFoundError, ProtocolError, TimeoutError, ZeroprocError,
  type ErrorOrigin,
} from '../errors.js';
import { checkOptions } from '../option-checks.js';
import { report, rateLimited } from '../diagnostics.js';
import { closeWhenIdle, IDLE_ORDER } from '../idle-exit.js';
import { DealerLink } from '../transport/dealer-link.js';
import { BATCH_FRAMING, batchSize, DEFAULT_MAX_MESSAGE_SIZE, describeBytes, messageSize, overLimit } from '../transport/limits.js';
import type { LinkOptions } from '../transport/socket-options.js';
import type { Codec, CodecName } from '../wire/codec.js';
import { batchMessages, codecNamed, type EncodedMessage, type ReceivedBatch } from '../wire/frames.js';
import type { RefWire } from '../wire/refs.js';
import { findUndecodable, type Undecodable } from '../wire/values.js';
import { currentCall, trackCalls } from './call-context.js';
import { Future, type Canceller } from './future.js';
import { atCaller } from './call-site.js';
import { ClientPool } from './client-pool.js';
import { ensureLocalServer, getLocalServer, resolveKey, selfInfo, serverById, type LinkAuth } from './local.js';
import { readReply, recipientOf, requestToWire, type PeerInfo, type Request } from './messages.js';
import { Deadlines, type Timed } from './deadlines.js';
import { PendingTable } from './pending-table.js';
import { clientOptionRules, DEFAULT_IMPORT_TIMEOUT, DEFAULT_TIMEOUT, defaultCallOptions, importOptionRules, type ImportOptions, type ResolvedCallOptions } from './options.js';
import { makeProxy } from './proxy.js';
import { encodePlain, encodeWithRefs, holdsNoReference, RefDecoder, RefEncoder } from './ref-codec.js';
import { errorFromReply } from './reply-errors.js';
import { RemoteRef, type ObjectRequest } from './remote-ref.js';
import type { Remote } from './types.js';

/** Options of {@link RPCClient.connect}. */
export interface ClientOptions {
  /**
   * Key of the server's CURVE link (or a keyset given whole); defaults to the process default
   * (`setDefaultAuthkey`). Ignored on a private ipc address, which the kernel authenticates.
   */
  authkey?: LinkAuth;
  /** Body codec: `'msgpack'` (default) or `'json'`. The server answers in the same. */
  codec?: CodecName;
  /** Default timeout of calls through this client, and of connecting, ms (1 to 2 147 483 647; 10 000). */
  timeout?: number;
  /** Interval of keep-alive messages while this client holds references, ms (5 000). */
  heartbeat?: number;
  /**
   * Largest reply this client accepts, body plus attachments, bytes; told to the server in
   * `hello`, which answers a larger result with `MessageTooLargeError`. Default 268 435 456 (256 MiB).
   */
  maxMessageSize?: number;
  /**
   * Bytes of calls that may wait in this client's send queue (a server that does not read, a
   * burst within one tick); past it a call fails with `QueueFullError`. Default 268 435 456.
   */
  maxQueuedBytes?: number;
  /** Socket options (ZeroMQ high-water mark, heartbeats). */
  link?: Omit<LinkOptions, 'maxMessageSize'>;
  /**
   * The server's owner token, when it has one (a spawned child's: `handle.ownerToken`). Presented
   * when this call creates the connection, it lets the client use `import()` and `closeServer()`
   * there, which the server refuses to everyone else.
   */
  ownerToken?: string;
  /**
   * Close by itself once it holds no reference and waits for nothing, like the clients made to
   * follow forwarded references (`lookupUrl` connects this way). Ignored when the client is
   * already shared with a `connect()` that did not ask for it.
   */
  closeWhenUnused?: boolean;
}

/** Options that shape a client, which every `connect()` sharing it must agree on. */
const SETTINGS = ['timeout', 'heartbeat', 'maxMessageSize', 'maxQueuedBytes', 'link', 'ownerToken'] as const;

/**
 * One call waiting for its reply: all the client keeps of it, in one object (its deadline slot
 * and its Future's canceller too). Thousands wait at once in a pipelined burst, long enough for
 * the garbage collector to move them; the request itself, with its arguments, is not kept.
 */
class PendingCall implements Timed, Canceller {
  deadline = 0;
  timing = false;
  /** An 'async' call's Future, settled directly. */
  future: Future<unknown> | undefined = undefined;
  /** A 'sync' call's promise's settlers. */
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((error: unknown) => void) | undefined = undefined;

  constructor(
    private readonly client: RPCClient,
    readonly id: number,
    /** ms; the call's group in {@link Deadlines} */
    readonly timeout: number,
    /** Keeps the target's reference reachable (so GC cannot release it) until the reply. */
    readonly hold: RemoteRef | undefined,
    /** What the call was, for the messages of its errors (see {@link describeCall}). */
    readonly what: Request['type'],
    readonly path: readonly string[] | undefined,
    readonly target: string | undefined,
  ) {}

  /** The future was cancelled: stop waiting, and tell the server. */
  cancel(): void {
    this.client.cancelCall(this.id);
  }

  settle(ok: boolean, valueOrError: unknown): void {
    if (this.future) this.future.settle(ok, valueOrError);
    else if (ok) this.resolve!(valueOrError);
    else this.reject!(valueOrError);
  }

  describe(): string {
    return describeCall(this.what, this.path, this.target);
  }
}

const clients = new ClientPool<RPCClient>();
/** How long a lost connection waits for its owner's explanation (a process exit) before giving up. */
const EXPLAIN_WAIT = 1_000;

/** Client of one RPC server. Get one with {@link RPCClient.connect}. */
export class RPCClient {
  /** What the server said about itself on connect (undefined until then). */
  server: PeerInfo | undefined;
  /**
   * Set by an owner that can explain a lost connection (the spawner: the process exited). When
   * the socket disconnects with calls pending, the client waits for it (at most a second) and
   * rejects them with the error it returns, or with DisconnectedError.
   */
  explainDisconnect: (() => Promise<Error | undefined>) | undefined;

  private readonly link: DealerLink;
  private readonly codec: Codec;
  private readonly pending = new PendingTable<PendingCall>();
  private readonly deadlines = new Deadlines<PendingCall>((call) => this.expire(call));
  private readonly timeout: number;
  private readonly maxMessageSize: number;
  /** The largest message the server accepts, from its hello reply (undefined until then). */
  private serverLimit: number | undefined;
  private nextId = 1;
  private readonly unsent: Request[] = [];
  private preparing = false;
  private encodingNow = false;
  private releases: (string | number)[] = [];
  /** `[ticket, recipient, ...]` */
  private claims: string[] = [];
  /** Who this client said it is in its hello: tickets in replies to it are issued for that. */
  private introducedAs = '';
  /** Turns the references in replies into proxies: made once per name the client goes by. */
  private refDecoder: RefDecoder | undefined;
  private readonly ownerToken: string | undefined;
  private heldRefs = 0;
  /** Made by `forReference` rather than by `connect`: closed by itself once it holds nothing. */
  private implicit = false;
  /** Connected with `closeWhenUnused`: closed as soon as it holds nothing. */
  private dropWhenUnused = false;
  /** Whether the server answered our hello. */
  private connected = false;
  /** How many `connect()` calls returned this client and have not closed it yet. */
  private users = 0;
  private lastSent = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private heartbeatEvery = Infinity;
  private failure: Error | undefined;
  private readonly reportRejected = rateLimited('warn');
  private readonly untrackIdle: () => void;
  /** The address of the server this client talks to. */
  readonly address: string;
  /** The options it was made with, for later `connect()` calls that share it. */
  private readonly settings: ClientOptions;

  private constructor(address: string, options: ClientOptions, serverId = '') {
    this.address = address;
    this.settings = options;
    this.ownerToken = options.ownerToken;
    this.codec = codecNamed(options.codec ?? 'msgpack');
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    if (serverId) this.server = { name: serverId, pid: 0, host: '', server: serverId };
    // its calls carry the chain of the call they are made for, read after any await
    trackCalls();
    this.link = new DealerLink(address, this.codec, resolveKey(options.authkey), {
      batch: (b) => this.onBatch(b),
      rejected: (err) => this.reportRejected(`client of ${address}: dropped a reply that failed its checks`, err),
      lost: (why) => void this.onLost(why),
      refused: (why) => this.fail(new AuthError(`the server at ${address} refused the connection: ${why}`)),
      sendFailed: (err, n) => report('warn', `client of ${address}: could not send ${n} message(s)`, err),
    }, { ...options.link, maxMessageSize: this.maxMessageSize + BATCH_FRAMING });
    if (options.maxQueuedBytes !== undefined) this.link.limitQueuedBytes(options.maxQueuedBytes);
    this.startHeartbeat(options.heartbeat ?? 5_000);
    // an open socket keeps the process alive: this one goes once the script has nothing left to do
    this.untrackIdle = closeWhenIdle({
      order: IDLE_ORDER.links,
      busy: () => this.pending.size > 0 || this.unsent.length > 0,
      close: () => this.failure ?? this.closeNow('was closed: the process had nothing left to do'),
    });
  }

  /**
   * Connects to the server at `address` and waits for its answer. Clients are shared: a second
   * connect to the same address with the same codec and key returns the same client, which then
   * closes only when each of them called `close()`.
   */
  static async connect(address: string, options: ClientOptions = {}): Promise<RPCClient> {
    checkOptions('RPCClient.connect', options, clientOptionRules);
    const codec = options.codec ?? 'msgpack';
    const key = resolveKey(options.authkey);
    let client = clients.get(address, codec, key);
    if (!client || client.failure) {
      client = new RPCClient(address, options);
      clients.add(codec, key, client);
    } else {
      client.checkSameSettings(options);
    }
    client.implicit = false;
    client.dropWhenUnused = options.closeWhenUnused === true && (client.users === 0 || client.dropWhenUnused);
    client.users++;
    if (!client.connected) {
      try {
        await client.hello(options.timeout ?? DEFAULT_TIMEOUT);
      } catch (err) {
        client.close();
        throw err;
      }
    }
    return client;
  }

  /**
   * @internal The client for a reference's server: one this process already has for that address
   * (whatever key it was given), else a new one with the default key, not waiting to connect.
   */
  static forReference(address: string, serverId: string): RPCClient {
    const key = resolveKey(undefined);
    let client = clients.get(address, 'msgpack', key) ?? clients.anyFor(address);
    if (!client) {
      client = new RPCClient(address, {}, serverId);
      client.implicit = true;
      clients.add('msgpack', key, client);
      // not awaited: the server learns which process holds what it hands out, and this client
      // the keep-alive interval the server needs
      client.hello(DEFAULT_TIMEOUT).catch(() => undefined);
    }
    return client;
  }

  private async hello(timeout: number): Promise<void> {
    const peer = selfInfo();
    this.introducedAs = recipientOf(peer);
    this.refDecoder = undefined;
    const hello = { type: 'hello' as const, peer, maxMessageSize: this.maxMessageSize, ...(this.ownerToken === undefined ? {} : { owner: this.ownerToken }) };
    const info = (await this.send(hello, timeout)) as PeerInfo & { heartbeat?: number; maxMessageSize?: number };
    this.server = info;
    if (Number.isSafeInteger(info.maxMessageSize) && info.maxMessageSize! > 0) this.serverLimit = info.maxMessageSize;
    this.connected = true;
    // keep-alives must come well within the server's peer timeout, whatever ours was
    if (typeof info.heartbeat === 'number' && info.heartbeat > 0 && info.heartbeat < this.heartbeatEvery) this.startHeartbeat(info.heartbeat);
  }

  private startHeartbeat(every: number): void {
    clearInterval(this.heartbeat);
    this.heartbeatEvery = every;
    this.heartbeat = setInterval(() => this.keepAlive(every), every);
    this.heartbeat.unref();
  }

  private origin(): ErrorOrigin {
    const s = this.server;
    return { server: s?.name ?? this.address, pid: s?.pid ?? 0, host: s?.host ?? hostname() };
  }

  /** A proxy to the object the server published as `name` (NotFoundError if there is none). */
  async get<T = unknown>(name: string): Promise<Remote<T>> {
    return (await this.send({ type: 'published', name })) as Remote<T>;
  }

  /**
   * Imports a module in the server's process and returns a proxy to its namespace. `specifier` is
   * a package name, `node:` builtin, file URL, or a path (relative paths resolve against the
   * server's working directory). It waits `options.timeout` ms (60 000 by default, whatever the
   * client's call timeout: loading a module, and compiling a `.ts` one, is no call).
   */
  async import<T = unknown>(specifier: string, options: ImportOptions = {}): Promise<Remote<T>> {
    checkOptions('import', options, importOptionRules);
    return (await this.send({ type: 'import', specifier }, options.timeout ?? DEFAULT_IMPORT_TIMEOUT)) as Remote<T>;
  }

  /** Round trip to the server; resolves with the time it took, ms. */
  async ping(): Promise<number> {
    const t0 = performance.now();
    await this.send({ type: 'ping' });
    return performance.now() - t0;
  }

  /**
   * Estimates the server's clock offset: `offset` ms to add to a local `Date.now()` to get the
   * server's, from the ping with the shortest round trip among `samples`.
   */
  async measureClockDiff(samples = 8): Promise<{ /** Server clock minus ours, ms. */ offset: number; /** Round trip of the best sample, ms. */ rtt: number }> {
    let best = { offset: 0, rtt: Infinity };
    for (let i = 0; i < samples; i++) {
      const t0 = Date.now();
      const p0 = performance.now();
      const { time } = (await this.send({ type: 'ping' })) as { time: number };
      const rtt = performance.now() - p0;
      if (rtt < best.rtt) best = { offset: time - (t0 + rtt / 2), rtt };
    }
    return best;
  }

  /** Asks the server to close; its other clients' pending calls reject with DisconnectedError. */
  async closeServer(): Promise<void> {
    await this.send({ type: 'close' });
    this.close();
  }

  /**
   * Closes this client: pending calls reject with DisconnectedError; the server drops its
   * references. A client shared by several `connect()` calls closes at the last `close()`.
   */
  close(): void {
    if (this.failure) return;
    if (--this.users > 0) return;
    this.closeNow('was closed');
  }

  /**
   * A second `connect()` shares this client, so it cannot have other settings: refused, rather
   * than silently served with the first caller's (the JS client would quietly time out at 10 s
   * where the second asked for 1).
   */
  private checkSameSettings(options: ClientOptions): void {
    for (const name of SETTINGS) {
      const asked = options[name];
      if (asked === undefined || JSON.stringify(asked) === JSON.stringify(this.settings[name])) continue;
      const had = this.settings[name] === undefined ? 'its default' : JSON.stringify(this.settings[name]);
      throw new InvalidArgumentError(
        `RPCClient.connect: option \`${name}\` is ${JSON.stringify(asked)}, but the client of ${this.address} that this call shares (one per address, codec and key) has ${had}: close that one first, or give per-call timeouts with withOptions()`,
      );
    }
  }

  /** Says goodbye to the server and closes, whoever else still uses this client. */
  private closeNow(why: string): void {
    this.flushReleases();
    this.enqueue({ type: 'bye' });
    this.shutdown(new DisconnectedError(`client of ${this.address} ${why}`));
  }

  /** Closes the client (`using client = await RPCClient.connect(...)`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Rejects every pending and later call with `error`, and closes the client. */
  fail(error: Error): void {
    if (this.failure) return;
    this.shutdown(error);
  }

  /** Timeout of calls that set none, ms. */
  get defaultTimeout(): number {
    return this.timeout;
  }

  /** Whether the client was closed or failed. */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  private shutdown(error: Error): void {
    this.failure = error;
    this.untrackIdle();
    clearInterval(this.heartbeat);
    clients.remove(this);
    this.rejectPending(error);
    // let a queued goodbye leave before the socket closes, but never wait on a dead peer
    void Promise.race([this.link.flushed(), new Promise<void>((r) => setTimeout(r, 100).unref())]).then(() => this.link.close());
  }

  /** Removes and returns a pending call (undefined if it is not pending any more). */
  private takePending(id: number): PendingCall | undefined {
    const p = this.pending.take(id);
    if (p) this.deadlines.delete(p);
    return p;
  }

  private rejectPending(error: Error): void {
    const calls = this.pending.takeAll();
    this.deadlines.clear();
    for (const p of calls) p.settle(false, error);
  }

  private expire(call: PendingCall): void {
    // ids are never reused: what the table holds under this id is this call, or nothing
    if (this.pending.take(call.id) !== call) return;
    this.enqueue({ type: 'cancel', call: call.id });
    call.settle(false, new TimeoutError(`${call.describe()} to ${this.server?.name ?? 'server'} at ${this.address} got no reply within ${call.timeout} ms`));
  }

  private async onLost(why: 'disconnected' | 'unreachable'): Promise<void> {
    if (this.failure || this.pending.size === 0) return;
    const error = await this.explainLoss();
    if (this.failure) return;
    // ZeroMQ also drops a connection that brings a frame over our limit, and says nothing else
    const what = why === 'disconnected' ? 'lost the connection to' : 'nothing answers as';
    const hint = why === 'disconnected' ? ` (the server went away, or sent a reply over this client's maxMessageSize of ${describeBytes(this.maxMessageSize)})` : '';
    this.rejectPending(error ?? new DisconnectedError(`${what} ${this.server?.name ?? 'server'} at ${this.address}${hint}`));
  }

  /** What the owner says ended the connection (a process exit), if it can say it within a second. */
  private async explainLoss(): Promise<Error | undefined> {
    if (!this.explainDisconnect) return undefined;
    return Promise.race([
      this.explainDisconnect().catch(() => undefined),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), EXPLAIN_WAIT).unref()),
    ]);
  }

  /** The server said it closes: fail this client, with the owner's explanation when it has one. */
  private async onClosing(): Promise<void> {
    const error = await this.explainLoss();
    const who = this.server?.name ? `server ${this.server.name}` : 'the server';
    this.fail(error ?? new DisconnectedError(`${who} at ${this.address} closed`));
  }

  // ----- sending

  /** @internal */
  request(ref: RemoteRef, request: ObjectRequest, options: ResolvedCallOptions): unknown {
    return this.invoke(request as Request, options, ref);
  }

  /** Sends a request that expects a reply; resolves with the reply's value. */
  private send(request: DistributiveOmit<Request, 'id'>, timeout = this.timeout): Promise<unknown> {
    return this.invoke(request as Request, { ...defaultCallOptions, timeout }, undefined) as Promise<unknown>;
  }

  /**
   * Sends `request` in `options.mode`, giving it its id (the request object is made for this one
   * call, so it is completed in place rather than copied). A call that cannot be sent (client
   * failed, reference released) fails the way its mode reports failures: a rejected Promise or
   * Future, or a throw for `'off'`, which has no other way to tell.
   */
  private invoke(request: Request, options: ResolvedCallOptions, hold: RemoteRef | undefined): unknown {
    const refused = this.failure ?? (hold?.released ? hold.releasedError() : undefined);
    const withId = request as Request & { id: number };
    // a call made while serving one belongs to its chain (see CallContext.chain)
    if (hold) {
      const chain = currentCall()?.chain;
      if (chain !== undefined) (withId as { chain?: string }).chain = chain;
    }
    if (options.mode === 'off') {
      if (refused) throw refused;
      withId.id = 0;
      this.enqueue(withId);
      return undefined;
    }
    const id = (withId.id = this.nextId++);
    const call = new PendingCall(this, id, options.timeout || this.timeout, hold, withId.type, pathOf(withId), subjectOf(withId));
    let result: PromiseLike<unknown>;
    if (options.mode === 'async') {
      result = call.future = new Future<unknown>(call);
    } else {
      result = new Promise((resolve, reject) => {
        call.resolve = resolve;
        call.reject = reject;
      });
    }
    if (refused) call.settle(false, refused);
    else this.track(call, withId);
    return options.mode === 'async' ? result : atCaller(result as Promise<unknown>);
  }

  private track(call: PendingCall, request: Request): void {
    this.pending.add(call);
    this.deadlines.add(call);
    this.enqueue(request);
  }

  /** @internal A Future's cancel: the call stops waiting and the server is told. */
  cancelCall(id: number): void {
    if (this.takePending(id)) this.enqueue({ type: 'cancel', call: id });
  }

  /** @internal Queues a release; all releases of one tick leave as one message. */
  queueRelease(obj: string, count: number): void {
    if (this.failure) return;
    this.heldRefs = Math.max(0, this.heldRefs - count);
    if (this.dropWhenUnused && this.heldRefs === 0) setImmediate(() => this.closeIfUnused());
    if (this.releases.length === 0) queueMicrotask(() => this.flushReleases());
    this.releases.push(obj, count);
  }

  /** @internal Claims a ticket, issued for `recipient`, for a reference received from a third process. */
  claim(ticket: string, recipient: string): void {
    if (this.claims.length === 0) queueMicrotask(() => this.flushClaims());
    this.claims.push(ticket, recipient);
  }

  /** @internal A ticket that lets a third process (`recipient`) take over a reference we hold. */
  async requestTicket(ref: RemoteRef, recipient: string): Promise<string> {
    ref.check();
    return (await this.send({ type: 'ticket', server: ref.server, obj: ref.obj, for: recipient })) as string;
  }

  private flushReleases(): void {
    if (this.releases.length === 0 || this.failure) return;
    // a reference must be claimed before it is released
    this.flushClaims();
    const refs = this.releases;
    this.releases = [];
    this.enqueue({ type: 'release', refs });
  }

  private flushClaims(): void {
    if (this.claims.length === 0 || this.failure) return;
    const tickets = this.claims;
    this.claims = [];
    this.enqueue({ type: 'claim', tickets });
  }

  private closeIfUnused(): void {
    if (!this.dropWhenUnused || this.failure || this.heldRefs > 0 || this.pending.size > 0 || this.unsent.length > 0) return;
    this.dropWhenUnused = false;
    this.close();
  }

  private keepAlive(every: number): void {
    if (this.failure) return;
    if (this.heldRefs === 0) {
      // a client nobody asked for (made to follow a forwarded reference) goes once unused
      if (this.implicit && this.pending.size === 0 && this.unsent.length === 0) this.close();
      return;
    }
    if (Date.now() - this.lastSent >= every) this.enqueue({ type: 'hb' });
  }

  /**
   * Encodes and queues a message, in order. A message whose references need something first (the
   * callback server, a ticket) holds back the ones after it until it can be encoded.
   */
  private enqueue(message: Request): void {
    // releases and claims queued earlier in this tick go first: a request must not overtake them
    if (message.type !== 'claim' && this.claims.length > 0) this.flushClaims();
    if (message.type !== 'release' && message.type !== 'claim' && this.releases.length > 0) this.flushReleases();
    this.unsent.push(message);
    if (!this.preparing) this.drainUnsent();
  }

  private drainUnsent(): void {
    // user code run while encoding (a getter, a registered type's encode) may send a request:
    // it is queued behind the message being encoded, not encoded inside it
    if (this.encodingNow) return;
    this.encodingNow = true;
    try {
      while (this.unsent.length > 0 && !this.preparing) this.encodeFirst();
    } finally {
      this.encodingNow = false;
    }
  }

  /** Encodes and sends the first unsent message, or starts preparing what its references lack. */
  private encodeFirst(): void {
    const message = this.unsent[0]!;
    let encoder: RefEncoder | undefined;
    let encoded: EncodedMessage | Promise<EncodedMessage>;
    try {
      if ((message.type === 'call' || message.type === 'new') && message.args.every(holdsNoReference)) {
        encoded = encodePlain(this.codec, requestToWire(message));
      } else {
        const destination = this.server?.server ?? '';
        encoder = new RefEncoder({ owner: getLocalServer(), startOwner: ensureLocalServer, destination, recipient: destination, returnType: 'auto' });
        encoded = encodeWithRefs(this.codec, requestToWire(message), encoder);
      }
    } catch (err) {
      this.unsent.shift();
      this.failMessage(message, err);
      return;
    }
    if (!(encoded instanceof Promise)) {
      this.unsent.shift();
      this.transmit(message, encoder, encoded);
      return;
    }
    // messages after this one wait: they must not overtake it
    this.preparing = true;
    const resume = (): void => {
      this.unsent.shift();
      this.preparing = false;
    };
    encoded.then(
      (ready) => {
        resume();
        this.transmit(message, encoder, ready);
        this.drainUnsent();
      },
      (err) => {
        resume();
        this.failMessage(message, err);
        this.drainUnsent();
      },
    );
  }

  private transmit(message: Request, encoder: RefEncoder | undefined, encoded: EncodedMessage): void {
    const size = messageSize(encoded);
    if (this.serverLimit !== undefined && size > this.serverLimit) {
      encoder?.abandon();
      this.failMessage(message, new MessageTooLargeError(`${describeRequest(message)} is ${describeBytes(size)} encoded, over the maxMessageSize of ${describeBytes(this.serverLimit)} that ${this.server?.name ?? 'the server'} at ${this.address} accepts`, size, this.serverLimit));
      return;
    }
    try {
      this.link.send(encoded);
      this.lastSent = Date.now();
    } catch (err) {
      encoder?.abandon();
      this.failMessage(message, err);
    }
  }

  private failMessage(message: Request, err: unknown): void {
    const id = 'id' in message ? message.id : 0;
    const p = id ? this.takePending(id) : undefined;
    const what = p?.describe() ?? describeRequest(message);
    if (p) {
      p.settle(false, err instanceof ZeroprocError || err instanceof TypeError ? err : new ProtocolError(`could not send ${what}: ${String(err)}`, { cause: err }));
    } else {
      report('error', `could not send ${what} to ${this.address}`, err);
    }
  }

  // ----- receiving

  private onBatch(batch: ReceivedBatch): void {
    const size = batchSize(batch.frame, batch.attachments);
    if (overLimit(size, this.maxMessageSize)) {
      this.reportRejected(`client of ${this.address}: refused a reply batch of ${describeBytes(size)}, over this client's maxMessageSize of ${describeBytes(this.maxMessageSize)}`);
      return;
    }
    const hooks = (this.refDecoder ??= new RefDecoder({ via: this, recipient: this.introducedAs, home: serverById, connect: (address, serverId) => RPCClient.forReference(address, serverId) }));
    const state = { hooks, attachments: batch.attachments, next: 0, failures: 0 };
    let replies: unknown[];
    try {
      replies = batchMessages(batch, state);
    } catch (err) {
      this.reportRejected(`client of ${this.address}: dropped a reply batch that could not be decoded`, err);
      return;
    }
    for (const reply of replies) {
      try {
        this.onReply(reply, state.failures > 0 ? findUndecodable(reply) : undefined);
      } catch (err) {
        report('error', `client of ${this.address}: a reply could not be handled`, err);
      }
    }
  }

  private onReply(raw: unknown, bad: Undecodable | undefined): void {
    const reply = readReply(raw);
    switch (reply?.type) {
      case 'ok':
      case 'err': {
        const p = this.takePending(reply.id);
        if (!p) return; // timed out or cancelled already; a reference in it is released by GC
        if (bad) return p.settle(false, new ProtocolError(`the reply could not be decoded: ${String((bad.error as Error)?.message ?? bad.error)}`, { cause: bad.error }));
        if (reply.type === 'ok') p.settle(true, reply.value);
        else p.settle(false, this.replyError(reply.error, reply.sys, p.hold));
        return;
      }
      case 'closing':
        void this.onClosing();
        return;
      default:
        return;
    }
  }

  /** The error of an `err` reply; a missing object is named as the proxy knows it. */
  private replyError(error: unknown, sys: string | undefined, target: RemoteRef | undefined): Error {
    const e = errorFromReply(error, sys, this.origin());
    // only the server's own NotFoundError is about the target; one thrown by the code it ran is kept
    return target && sys && e instanceof NotFoundError ? new NotFoundError(`proxy to ${target.name || 'object'}: ${e.message}`) : e;
  }

  /** @internal The proxy for a reference held through this client (kept alive by heartbeats). */
  proxyFor(ref: RefWire): unknown {
    this.heldRefs++;
    // every reference from this server names it: one copy of its id serves all of them
    const server = ref.server === this.server?.server ? this.server.server : ref.server;
    return makeProxy({ ref: new RemoteRef(this, server, ref.obj, ref.callable, ref.name, ref.oneway), path: ref.path, options: defaultCallOptions });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function pathOf(r: Request): readonly string[] | undefined {
  return 'path' in r ? r.path : undefined;
}

/** What a request is about, for its errors: its object, or the name or specifier it asks for. */
function subjectOf(r: Request): string | undefined {
  if ('obj' in r) return r.obj;
  if (r.type === 'import') return r.specifier;
  if (r.type === 'published') return r.name;
  return undefined;
}

function describeRequest(r: Request): string {
  return describeCall(r.type, pathOf(r), subjectOf(r));
}

/** `call add on 3q2-…`, `import ./mod.js`: a request, for error messages. */
function describeCall(type: Request['type'], path: readonly string[] | undefined, subject: string | undefined): string {
  switch (type) {
    case 'call':
    case 'new':
    case 'get':
    case 'set':
      return `${type} ${path?.length ? path.join('.') : '(object)'} on ${subject}`;
    case 'import':
      return `import ${subject}`;
    case 'published':
      return `get ${subject}`;
    default:
      return type;
  }
}
