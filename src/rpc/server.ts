/**
 * RPCServer: a ROUTER socket serving an object table. It runs requests as they arrive (an
 * async method does not hold up the next request), answers each client in the codec it used,
 * and never lets a peer's bytes crash it.
 */
import { timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import { rateLimited, report } from '../diagnostics.js';
import {
  AlreadyExistsError, AuthError, ImportDeniedError, InvalidArgumentError, MessageTooLargeError, NotFoundError, ProtocolError, QueueFullError, ZeroprocError,
} from '../errors.js';
import { checkOptions } from '../option-checks.js';
import { closeWhenIdle, holdOpen, IDLE_ORDER } from '../idle-exit.js';
import { dynamicImport, resolveSpecifier } from '../dynamic-import.js';
import { advertisedAddress, checkAddress } from '../transport/endpoint.js';
import {
  BATCH_FRAMING, batchSize, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_SERVER_QUEUED_BYTES, describeBytes, messageSize, overLimit,
} from '../transport/limits.js';
import { privateEndpoint } from '../transport/private-dir.js';
import { RouterLink, type RouterLinkOptions } from '../transport/router-link.js';
import type { Codec } from '../wire/codec.js';
import { batchMessages, PROTOCOL_VERSION, type EncodedMessage, type ReceivedBatch } from '../wire/frames.js';
import { findUndecodable, type Undecodable } from '../wire/values.js';
import { CallState, runInCall } from './call-context.js';
import { registerServer, resolveKey, serverById, setLocalServerStarter, unregisterServer, type LinkAuth } from './local.js';
import { BadRequest, readRequest, recipientOf, replyToWire, type PeerInfo, type Reply, type Request, type ReturnTypeOption, type TargetedRequest } from './messages.js';
import { checkImportPolicy, ImportGate, type ImportPolicy } from './import-policy.js';
import { builtinRefusal, exposedValue, invokerOf, invokeWithOwnThis, isForbiddenSegment, memberRefusal, policyOf, setObjectPolicy, type PublishOptions } from './exposure.js';
import { ObjectTable } from './object-table.js';
import { serverOptionRules } from './options.js';
import { randomId } from './random-id.js';
import { RPCClient } from './client.js';
import { encodePlain, encodeWithRefs, holdsNoReference, RefDecoder, RefEncoder } from './ref-codec.js';
import { runBatch } from './batch-run.js';
import { formatObjectUri } from './object-uri.js';
import { encodableError, SystemFailure } from './reply-errors.js';

/** Options of {@link RPCServer.start}. */
export interface RPCServerOptions {
  /** Where to bind: `tcp://host:port` (port `*` picks a free one), `ipc://path`. Default `tcp://127.0.0.1:*`. */
  address?: string;
  /**
   * For an address bound to a wildcard host (`tcp://0.0.0.0:1277`): the host name or IP that
   * references carry, so that other machines reach this server. Default: `$ZEROPROC_ADVERTISE`,
   * else this machine's first external IPv4 address.
   */
  advertise?: string;
  /**
   * Key of the CURVE link clients must hold (or a keyset given whole). Defaults to the process
   * default key (`setDefaultAuthkey`, set by the spawner; random otherwise), so a server is never
   * open by accident. An empty key means none: allowed on loopback and ipc only, where any local
   * process can then connect. Not used on a private ipc address, which only this user can reach.
   */
  authkey?: LinkAuth;
  /** Name shown to clients and in errors. Default `pid-<pid>`. */
  name?: string;
  /**
   * How a requested specifier becomes the URL that `allowImport` is matched against and
   * `importModule` loads. Default: `import.meta.resolve`, with paths resolved against the working
   * directory (symlinks resolved).
   */
  resolveImport?: (specifier: string) => string | Promise<string>;
  /** How the `import` action loads a module, given the resolved URL. Default: `import()`. */
  importModule?: (url: string) => Promise<unknown>;
  /**
   * Which modules clients may import, matched against the resolved URL: a list of rules (see
   * `ImportRule`; `[]` allows nothing) or a predicate. Default: files and Node builtins, except
   * the builtins that run code (`CODE_RUNNING_BUILTINS`); `data:`, `http(s):` and other schemes
   * are refused. A refusal is an `ImportDeniedError`.
   */
  allowImport?: ImportPolicy;
  /**
   * A client that holds references and is silent this long (ms, 1 to 2 147 483 647) is presumed
   * dead; its references are dropped. Default 60 000.
   */
  peerTimeout?: number;
  /**
   * Largest message this server accepts, body plus attachments, bytes. Told to clients in the
   * `hello` reply, so they refuse larger calls with `MessageTooLargeError` before sending; ZeroMQ
   * drops the connection of a peer that sends a larger frame anyway. Default 268 435 456 (256 MiB).
   */
  maxMessageSize?: number;
  /**
   * Bytes of replies that may wait to be sent to one client. A client that stops reading cannot
   * grow the server past it: further replies to it become `QueueFullError` error replies.
   * Default 33 554 432 (32 MiB); a single larger reply still goes when nothing else waits.
   */
  maxQueuedBytes?: number;
  /** How long a reference forwarded to a third process stays reserved for it, ms. Default 300 000. */
  ticketTtl?: number;
  /**
   * Who may use the server-wide operations `import` and `close` (`client.import()`,
   * `client.closeServer()`): `'anyone'` holding the key (the default: what a server of your own
   * is for), `'nobody'` (a callback server), or `{ ownerToken }`: only clients that present that
   * token when they connect (a spawned child's server, whose token only its parent learns).
   * Published and handed-out objects stay callable by whoever holds a reference either way.
   */
  control?: ServerControl;
  /** Socket options (ZeroMQ high-water mark, send timeout). */
  link?: Omit<RouterLinkOptions, 'maxMessageSize'>;
  /**
   * Close by itself once no client holds any of its objects and nothing is published (how the
   * lazily started callback server stops keeping the process alive). Default false.
   */
  closeWhenIdle?: boolean;
  /**
   * How many items a stream this server sends (a returned async iterable or generator) may run
   * ahead of its consumer, 1 to 65 536; `stream(iterable, { window })` sets one stream's. Default 64.
   */
  streamWindow?: number;
}

/** Who may import and close on a server: see {@link RPCServerOptions.control}. */
export type ServerControl = 'anyone' | 'nobody' | { /** The token a client must present in its hello. */ ownerToken: string };

interface Peer {
  /** The codec of the peer's latest batch (for notices that answer no request). */
  codec: Codec;
  lastSeen: number;
  info: PeerInfo | undefined;
  calls: Map<number, CallState>;
  /** It presented the owner token in its hello. */
  owner: boolean;
  /** The largest message the peer accepts, from its `hello` (undefined: it did not say). */
  maxMessageSize: number | undefined;
}

/** Who sent a batch, and the codec to answer that batch in. */
interface Caller {
  id: string;
  peer: Peer;
  codec: Codec;
}

const PROTOCOL_NAME = `zeroproc/${PROTOCOL_VERSION}`;

/** How long a dropped connection waits for its explanation (a `bye`, a child's exit), ms. */
const DROP_GRACE = 1_000;

function fail(error: ZeroprocError): never {
  throw new SystemFailure(error);
}

function checkSegment(segment: string): void {
  if (isForbiddenSegment(segment)) fail(new AuthError(`access to ${JSON.stringify(segment)} is not allowed`));
}

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

/**
 * `value[segment]`, refusing segments that lead to code execution and members `value` does not
 * expose (src/rpc/exposure.ts); `path` names the walk in errors.
 */
function step(value: unknown, segment: string, path: readonly string[]): unknown {
  checkSegment(segment);
  if (value === null || value === undefined) fail(new NotFoundError(`cannot read ${JSON.stringify(segment)} of ${value} (path ${path.join('.')})`));
  if (!isObject(value)) return (value as Record<string, unknown>)[segment];
  const hidden = memberRefusal(value, segment);
  if (hidden) fail(hidden);
  const member = (value as Record<string, unknown>)[segment];
  const builtin = builtinRefusal(value, segment, member);
  if (builtin) fail(builtin);
  return member;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** A server of objects. Start one with {@link RPCServer.start}. */
export class RPCServer {
  /** Random id of this server instance (128 bits, base64url); references name their owner by it. */
  readonly id = randomId();
  /** The server's name, as peers see it (the process name by default). */
  readonly name: string;
  /** Settles once the server is closed, by `close()` or by a client's `closeServer()`. */
  readonly closed: Promise<void>;
  /** @internal */
  readonly table: ObjectTable;
  /** @internal The window of the streams it sends (see {@link RPCServerOptions.streamWindow}). */
  readonly streamWindow: number | undefined;

  private link!: RouterLink;
  private readonly published = new Map<string, object>();
  private nameFallback: ((name: string) => object | undefined) | undefined;
  private readonly revokeListeners = new Set<(obj: object) => void>();
  private readonly peers = new Map<string, Peer>();
  private readonly importModule: (url: string) => Promise<unknown>;
  private readonly imports: ImportGate;
  private readonly peerTimeout: number;
  private readonly maxMessageSize: number;
  /** Goodbyes (a `bye`, a child's exit) not yet matched by a dropped connection (see `onDisconnect`). */
  private goodbyes = 0;
  /** Dropped connections not yet matched by a goodbye, reported after DROP_GRACE. */
  private unexplainedDrops = 0;
  private dropTimer: NodeJS.Timeout | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private markClosed!: () => void;
  private advertised: string | undefined;
  private readonly advertiseHost: string | undefined;
  private closing = false;
  private readonly reportBadMessage = rateLimited('warn');
  private readonly reportRefusedClaim = rateLimited('warn');
  private readonly control: ServerControl;
  /**
   * What references in requests become: proxies through the pooled clients, objects at home.
   * Shared by every batch: nothing in it depends on one.
   */
  private readonly refDecoder = new RefDecoder({ recipient: this.id, home: serverById, connect: (address: string, serverId: string) => RPCClient.forReference(address, serverId) });
  private readonly reportOversize = rateLimited('warn');
  /** Undoes this server's part in deciding when the process is idle (src/idle-exit.ts). */
  private releaseIdle: () => void = () => undefined;
  private readonly reportQueueFull = rateLimited('warn');
  private readonly reportUnexplainedDrop = rateLimited('info');

  private constructor(options: RPCServerOptions) {
    this.control = options.control ?? 'anyone';
    this.advertiseHost = options.advertise;
    this.streamWindow = options.streamWindow;
    this.name = options.name ?? `pid-${process.pid}`;
    this.table = new ObjectTable(options.ticketTtl ?? 300_000, () => {
      if (options.closeWhenIdle) setImmediate(() => this.closeIfIdle());
    });
    this.importModule = options.importModule ?? dynamicImport;
    this.imports = new ImportGate({ policy: options.allowImport, resolve: options.resolveImport ?? resolveSpecifier, serverName: this.name });
    this.peerTimeout = options.peerTimeout ?? 60_000;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.sweeper = setInterval(() => this.sweep(), Math.min(5_000, Math.max(50, this.peerTimeout / 4)));
    this.sweeper.unref();
  }

  /**
   * Binds a server. Its link is secured as docs/PROTOCOL.md ("Link security") says: NULL on a
   * private ipc address, else CURVE with the key; refuses (AuthError) an empty key on an address
   * other machines can reach, and on loopback or ipc without a key says once that it is open.
   */
  static async start(options: RPCServerOptions = {}): Promise<RPCServer> {
    checkOptions('RPCServer.start', options, serverOptionRules);
    const address = options.address ?? 'tcp://127.0.0.1:*';
    checkAddress(address);
    checkImportPolicy('RPCServer.start', options.allowImport);
    const key = resolveKey(options.authkey);
    const server = new RPCServer(options);
    // the bind is zeromq's work, which Node does not count: a script awaiting it is not idle
    const binding = holdOpen();
    try {
      server.link = await RouterLink.open(address, key, {
        batch: (peer, batch) => server.onBatch(peer, batch),
        rejected: (peer, err) => server.onRejected(peer, err),
        sendFailed: (peer, err, n) => server.onSendFailed(peer, err, n),
        disconnected: () => server.onDisconnect(),
      }, { ...options.link, maxMessageSize: server.maxMessageSize + BATCH_FRAMING }, server.name);
      server.link.limitQueuedBytes(options.maxQueuedBytes ?? DEFAULT_SERVER_QUEUED_BYTES);
    } catch (err) {
      clearInterval(server.sweeper);
      if (err instanceof ZeroprocError) throw err;
      throw new InvalidArgumentError(`could not bind ${address}: ${(err as Error).message}`, { cause: err });
    } finally {
      binding();
    }
    if (server.link.security.mechanism === 'open') report('info', `RPC server ${server.name} at ${server.address} runs without an authkey: any local process can connect`);
    registerServer(server);
    // a server of the user's serves for as long as it is open, as a listening socket would; the
    // callback server serves the script, which no longer needs it once it has nothing left to do
    server.releaseIdle = options.closeWhenIdle
      ? closeWhenIdle({ order: IDLE_ORDER.links, busy: () => server.runningCalls() > 0, close: () => server.close() })
      : holdOpen();
    return server;
  }

  /** The address the server is bound to (with the real port when bound to `*`). */
  get address(): string {
    return this.link.address;
  }

  /** The address references to this server's objects carry: `address`, with a wildcard host made reachable. */
  get advertisedAddress(): string {
    return this.advertised ??= advertisedAddress(this.link.address, this.advertiseHost);
  }

  /**
   * Number of objects currently held by clients (published objects not counted until handed out).
   * zeroproc's own services (published under `zeroproc.` names: the status `zeroproc ps` reads, an
   * actor host) are left out, so the count is the user's objects whoever else is looking: a
   * `zeroproc ps` run elsewhere would otherwise change it.
   */
  get objectCount(): number {
    let own = 0;
    for (const [name, obj] of this.published) if (name.startsWith('zeroproc.') && this.table.isHeld(obj)) own++;
    return this.table.size - own;
  }

  /**
   * Makes `obj` available to clients as `client.get(name)`. `options.expose` lists the only
   * members clients may reach on it, `options.oneway` its methods that never answer; left out,
   * its class's `static expose` / `static oneway` apply, else the default rule (no `_private`
   * members, no built-ins like `toString` or `call`). The policy belongs to the object, whatever
   * name it is reached by.
   */
  publish(name: string, obj: object, options?: PublishOptions): void {
    if (!isObject(obj)) throw new InvalidArgumentError(`publish(${JSON.stringify(name)}): only objects and functions can be published`);
    if (this.published.has(name)) throw new AlreadyExistsError(`an object is already published as ${JSON.stringify(name)} on ${this.name}`);
    setObjectPolicy(`publish(${JSON.stringify(name)})`, obj, options);
    this.published.set(name, obj);
  }

  /**
   * Removes a published name: `client.get(name)` finds nothing from now on. Proxies already
   * obtained by that name keep working (as after Pyro's `unregister`): they are references the
   * server handed out, which only {@link RPCServer.revoke} takes back. Returns whether the name
   * was published.
   */
  unpublish(name: string): boolean {
    return this.published.delete(name);
  }

  /**
   * Takes back `obj` from every client it was handed to (as a result, a published object, an
   * argument passed back): every proxy to it, in any process, then fails with NotFoundError
   * ("revoked"), and the server no longer keeps it alive. Handing it out again later gives a new,
   * working reference. Publication is separate: a published object stays published (see
   * `unpublish`). Returns whether the object had been handed out; `onRevoke` listeners hear of it.
   */
  revoke(obj: object): boolean {
    if (!isObject(obj)) throw new InvalidArgumentError(`revoke: expected an object or function, got ${obj === null ? 'null' : typeof obj}`);
    if (!this.table.revoke(obj)) return false;
    for (const listener of this.revokeListeners) {
      try {
        listener(obj);
      } catch (err) {
        report('error', `${this.name}: an onRevoke listener failed`, err);
      }
    }
    return true;
  }

  /**
   * Calls `listener` with each object this server revokes (after it is revoked), so that whoever
   * advertised the object elsewhere (a name server registration) can withdraw it. Returns a
   * function that removes the listener.
   */
  onRevoke(listener: (obj: object) => void): () => void {
    this.revokeListeners.add(listener);
    return () => void this.revokeListeners.delete(listener);
  }

  /**
   * The object URI of `name` on this server (`zp+tcp://host:port/name`), what `connect(uri)`
   * takes; `name` is a published name or an actor id of this process's host.
   */
  uri(name: string): string {
    return formatObjectUri(this.advertisedAddress, name);
  }

  /**
   * @internal What a name that nothing is published under resolves to (the actor host's ids), so
   * that object URIs name published objects and actors by one rule.
   */
  setNameFallback(fallback: ((name: string) => object | undefined) | undefined): void {
    this.nameFallback = fallback;
  }

  /**
   * Drops every reference held by clients in process `pid` on `host`, and the tickets sent to its
   * server `serverId` that it can no longer claim (the spawner calls it when a child ends).
   */
  dropClientsOf(pid: number, host = hostname(), serverId = ''): void {
    for (const [id, peer] of this.peers) {
      if (peer.info?.pid === pid && peer.info.host === host) {
        this.explainDrop();
        this.forget(id);
      }
    }
    this.table.dropTicketsFor(serverId);
    this.table.dropTicketsFor(recipientOf({ name: '', pid, host, server: '' }));
  }

  /**
   * Imports `specifier` as a client's `import` request would, through the same import policy
   * (refused: ImportDeniedError; found nowhere: NotFoundError), for code that loads modules on a
   * client's behalf (an actor host spawning `'module#Export'`). The owner check of `import` does
   * not apply: whoever may ask for the load holds a reference the server handed out (a host), and
   * that reference is the capability; the policy still bounds what it can load.
   */
  async loadModule(specifier: string): Promise<unknown> {
    return this.importModule(await this.imports.admit(specifier));
  }

  /** Closes the server: connected clients are told, and their pending calls reject with DisconnectedError. */
  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    this.releaseIdle();
    clearInterval(this.sweeper);
    clearTimeout(this.dropTimer);
    unregisterServer(this);
    for (const [id, peer] of this.peers) this.sendPlain({ id, peer, codec: peer.codec }, { type: 'closing' });
    for (const peer of this.peers.values()) for (const c of peer.calls.values()) c.abort(new Error('the server is closing'));
    await Promise.race([this.link.flushed(), new Promise((r) => setTimeout(r, 200).unref())]);
    this.link.close();
    this.markClosed();
  }

  /** Calls of peers that are running here now. */
  private runningCalls(): number {
    let n = 0;
    for (const peer of this.peers.values()) n += peer.calls.size;
    return n;
  }

  /** Closes the server (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * @internal Walks the first `length` segments of `path` (all by default) from `root`, refusing
   * segments that lead to code execution and members the objects on the way do not expose
   * (src/rpc/exposure.ts).
   */
  resolvePath(root: unknown, path: readonly string[], length = path.length): unknown {
    let value = root;
    for (let i = 0; i < length; i++) value = step(value, path[i]!, path);
    return value;
  }

  // ----- receiving

  private onBatch(peerId: string, batch: ReceivedBatch): void {
    let peer = this.peers.get(peerId);
    if (!peer) {
      peer = { codec: batch.codec, lastSeen: 0, info: undefined, calls: new Map(), owner: false, maxMessageSize: undefined };
      this.peers.set(peerId, peer);
    }
    peer.codec = batch.codec;
    peer.lastSeen = Date.now();
    const size = batchSize(batch.frame, batch.attachments);
    if (overLimit(size, this.maxMessageSize)) {
      // the peer ignored the limit of our hello reply; its frames were each under ZeroMQ's limit
      this.reportOversize(`${this.name}: refused a message of ${describeBytes(size)} from ${this.describePeer(peerId)}: over this server's maxMessageSize of ${describeBytes(this.maxMessageSize)}`);
      return;
    }
    // replies go back in the codec of the batch that asked, whatever the peer uses later
    const caller: Caller = { id: peerId, peer, codec: batch.codec };
    const state = { hooks: this.refDecoder, attachments: batch.attachments, next: 0, failures: 0 };
    let messages: unknown[];
    try {
      messages = batchMessages(batch, state);
    } catch (err) {
      this.reportBadMessage(`${this.name}: dropped a batch from ${this.describePeer(peerId)} that could not be decoded`, err);
      return;
    }
    for (const message of messages) {
      const bad = state.failures > 0 ? findUndecodable(message) : undefined;
      this.handle(caller, message, bad);
    }
  }

  private handle(caller: Caller, message: unknown, undecodable: Undecodable | undefined): void {
    const m = readRequest(message);
    if (m instanceof BadRequest || undecodable) {
      const problem = m instanceof BadRequest ? m.problem : undefined;
      const id = m instanceof BadRequest ? m.id : 'id' in m ? m.id : 0;
      const cause = undecodable?.error;
      const error =
        cause instanceof SystemFailure ? cause
        : !problem && cause instanceof ZeroprocError ? new SystemFailure(cause)
        : new SystemFailure(new ProtocolError(problem ?? `a value in the request could not be decoded: ${(cause as Error)?.message ?? cause}`));
      if (id > 0) this.replyError(caller, id, error);
      else this.reportBadMessage(`${this.name}: dropped a bad message from ${this.describePeer(caller.id)}`, error.error);
      return;
    }
    switch (m.type) {
      case 'hello':
        caller.peer.info = m.peer;
        if (m.owner !== undefined) caller.peer.owner = this.isOwnerToken(m.owner);
        caller.peer.maxMessageSize = m.maxMessageSize;
        return this.answer(caller, m.id, 'value', () => ({
          name: this.name, pid: process.pid, host: hostname(), server: this.id, protocol: PROTOCOL_NAME,
          heartbeat: Math.max(50, Math.min(5_000, Math.floor(this.peerTimeout / 3))),
          maxMessageSize: this.maxMessageSize,
        }));
      case 'call':
      case 'new':
      case 'get':
      case 'set':
        return this.execute(caller, m);
      case 'batch':
        return this.executeBatch(caller, m);
      case 'published':
        return this.answer(caller, m.id, 'proxy', () => {
          const obj = this.published.get(m.name) ?? this.nameFallback?.(m.name);
          if (!obj) fail(new NotFoundError(`nothing is published as ${JSON.stringify(m.name)} on ${this.name}`));
          return obj;
        });
      case 'import':
        return this.answer(caller, m.id, 'proxy', async () => {
          this.checkControl(caller, `importing ${JSON.stringify(m.specifier)}`);
          const url = await this.admitImport(m.specifier);
          return this.importModule(url).catch((err: unknown) => (err instanceof NotFoundError ? fail(err) : Promise.reject(err)));
        });
      case 'ticket':
        return this.answer(caller, m.id, 'value', () => {
          this.lookup(m.server, m.obj, caller.id);
          return this.table.issueTicketFor(m.obj, typeof m.for === 'string' ? m.for : '');
        });
      case 'release':
        for (let i = 0; i < m.refs.length; i += 2) this.table.release(m.refs[i] as string, caller.id, m.refs[i + 1] as number);
        return;
      case 'claim':
        for (let i = 0; i < m.tickets.length; i += 2) {
          if (this.table.claim(m.tickets[i]!, caller.id, m.tickets[i + 1]!) === 'refused') {
            this.reportRefusedClaim(`${this.name}: refused ${this.describePeer(caller.id)} a ticket issued for another process (the ticket stays for its recipient)`);
          }
        }
        return;
      case 'cancel':
        caller.peer.calls.get(m.call)?.abort(new Error('cancelled by the caller'));
        return;
      case 'ping':
        return this.answer(caller, m.id, 'value', () => ({ time: Date.now() }));
      case 'hb':
        return;
      case 'bye':
        this.explainDrop();
        this.forget(caller.id);
        return;
      case 'close': {
        let allowed = false;
        this.answer(caller, m.id, 'value', () => {
          this.checkControl(caller, 'closing the server');
          allowed = true;
          return null;
        });
        // after the reply is queued: the closer hears `ok` before `closing`
        if (allowed) void this.close();
        return;
      }
    }
  }

  /**
   * Runs `fn` and replies with its (awaited) result or error; with `id` 0 nobody waits for the
   * answer, so a failure is reported here, naming the request `m` when there is one.
   */
  private answer(caller: Caller, id: number, ret: ReturnTypeOption, fn: () => unknown, m?: TargetedRequest): void {
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      this.answerError(caller, id, err, m);
      return;
    }
    this.answerWith(caller, id, ret, result, m);
  }

  /** A request's failure: replied to, or reported when nobody waits (`id` 0). */
  private answerError(caller: Caller, id: number, err: unknown, m: TargetedRequest | undefined): void {
    if (id) this.replyError(caller, id, err);
    else this.reportUnheard(caller, m, err);
  }

  /** Replies with `result`, awaited if it is a promise (see {@link answer}). */
  private answerWith(caller: Caller, id: number, ret: ReturnTypeOption, result: unknown, m: TargetedRequest | undefined): void {
    if (!isThenable(result)) {
      if (id) this.reply(caller, id, result, ret);
      return;
    }
    Promise.resolve(result).then(
      (value) => id && this.reply(caller, id, value, ret),
      (err) => this.answerError(caller, id, err, m),
    );
  }

  // described only on failure: building the text for every call cost more than the call's lookup
  private reportUnheard(caller: Caller, m: TargetedRequest | undefined, err: unknown): void {
    const what = m ? `'off' ${m.type} of ${m.path.join('.') || `object ${m.obj}`}` : 'a request without reply';
    report('error', `${this.name}: ${what} failed (called by ${this.describePeer(caller.id)})`, err);
  }

  // what answer() does, without a closure for a call that returns at once: every call comes here
  private execute(caller: Caller, m: TargetedRequest): void {
    const { peer } = caller;
    const call = new CallState(peer.info, m.chain, undefined, m.budget === undefined ? undefined : performance.now() + m.budget);
    let result: unknown;
    try {
      result = runInCall(call, this.performTargeted, caller, m);
    } catch (err) {
      this.answerError(caller, m.id, err, m);
      return;
    }
    // a method that returned synchronously is over before a cancel could be read: only a call
    // still running is registered for cancellation (a map entry and a closure per call cost
    // ~1 us of the server's ~16 us per pipelined call)
    if (m.id && isThenable(result)) {
      peer.calls.set(m.id, call);
      result = Promise.resolve(result).finally(() => peer.calls.delete(m.id));
    }
    this.answerWith(caller, m.id, m.type === 'set' ? 'value' : m.ret ?? 'auto', result, m);
  }

  /** Runs request `m` on its target (made once: a bound function per call is garbage). */
  private readonly performTargeted = (caller: Caller, m: TargetedRequest): unknown => this.perform(caller, this.lookup(m.server, m.obj, caller.id), m);

  /** Runs an explicit batch (rpc/batch-run.ts); cancelling it stops it before its next call. */
  private executeBatch(caller: Caller, m: Extract<Request, { type: 'batch' }>): void {
    const { peer } = caller;
    const call = new CallState(peer.info, m.chain, undefined, m.budget === undefined ? undefined : performance.now() + m.budget);
    if (m.id) peer.calls.set(m.id, call);
    this.answer(caller, m.id, 'auto', () =>
      runBatch(m.calls, call.signal, (c) => runInCall(call, () => this.perform(caller, this.lookup(c.server, c.obj, caller.id), c as TargetedRequest))).finally(
        () => void (m.id && peer.calls.delete(m.id)),
      ));
  }

  private isOwnerToken(token: string): boolean {
    if (typeof this.control !== 'object') return false;
    const expected = Buffer.from(this.control.ownerToken);
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Fails unless `caller` may use a server-wide operation (`what`) here. */
  private checkControl(caller: Caller, what: string): void {
    if (this.control === 'anyone' || caller.peer.owner) return;
    const only = this.control === 'nobody' ? 'nobody may do that remotely' : 'only its owner (the process that spawned it) may';
    fail(new AuthError(`${what} on ${this.name} is not allowed to ${this.describePeer(caller.id)}: ${only}`));
  }

  /**
   * The object `obj` of this instance, when `holder` holds it; ERR_NOT_FOUND when the reference
   * names another instance or a reference `holder` was never given.
   */
  private lookup(server: string, obj: string, holder: string): object {
    if (server !== this.id) {
      fail(new NotFoundError(`object ${obj} belonged to a previous instance of the server at ${this.advertisedAddress} (instance ${server}; this is instance ${this.id})`));
    }
    try {
      return this.table.getFor(obj, holder);
    } catch (err) {
      return fail(err as ZeroprocError);
    }
  }

  private perform(caller: Caller, root: object, m: TargetedRequest): unknown {
    const last = m.path[m.path.length - 1];
    switch (m.type) {
      case 'get':
        return this.resolvePath(root, m.path);
      case 'set': {
        if (last === undefined) fail(new InvalidArgumentError('set needs a non-empty path'));
        const holder = this.resolvePath(root, m.path.slice(0, -1));
        checkSegment(last);
        if (!isObject(holder)) fail(new NotFoundError(`cannot set ${m.path.join('.')}: its parent is ${holder === null ? 'null' : typeof holder}`));
        // the same checks as reading it: a hidden member cannot be replaced, a built-in not shadowed
        this.resolvePath(holder, [last]);
        (holder as Record<string, unknown>)[last] = m.value;
        return undefined;
      }
      case 'call': {
        // walked in place: copies of the path (its parent, its last segment) cost an array each per call
        const holder = last === undefined ? undefined : this.resolvePath(root, m.path, m.path.length - 1);
        const invoker = isObject(holder) ? invokerOf(holder, last!) : undefined;
        if (invoker) {
          const self = m.path.length > 1 ? this.resolvePath(root, m.path, m.path.length - 2) : undefined;
          return invokeWithOwnThis(invoker, holder as (...args: unknown[]) => unknown, self, m.args);
        }
        const fn = last === undefined ? root : step(holder, last, m.path);
        if (typeof fn !== 'function') fail(new InvalidArgumentError(`${m.path.join('.') || 'the object'} is not a function (it is ${fn === null ? 'null' : typeof fn})`));
        // a oneway method answers nothing, even to a caller that did not know: it is answered
        // at once, and a failure is reported here, as for an 'off' call
        if (m.id && isObject(holder) && policyOf(holder).oneway.has(last!)) {
          this.answer(caller, 0, 'auto', () => Reflect.apply(fn, holder, m.args), m);
          return undefined;
        }
        return Reflect.apply(fn, holder, m.args);
      }
      case 'new': {
        const Ctor = this.resolvePath(root, m.path);
        if (typeof Ctor !== 'function') fail(new InvalidArgumentError(`${m.path.join('.') || 'the object'} is not a constructor`));
        return Reflect.construct(Ctor, m.args);
      }
    }
  }

  // ----- replying

  private reply(caller: Caller, id: number, value: unknown, ret: ReturnTypeOption): void {
    // by value, an object shows only what a client could have read member by member
    if (ret === 'value') value = exposedValue(value);
    const forceRef = ret === 'proxy' && value !== null && (typeof value === 'object' || typeof value === 'function') ? value : undefined;
    this.sendEncoded(caller, { type: 'ok', id, value }, ret, forceRef);
  }

  /** Replies with an error; never throws, whatever was thrown. */
  private replyError(caller: Caller, id: number, err: unknown): void {
    try {
      if (err instanceof SystemFailure) {
        this.sendEncoded(caller, { type: 'err', id, error: encodableError(err.error), sys: err.error.code }, 'value');
      } else {
        this.sendEncoded(caller, { type: 'err', id, error: err instanceof Error ? err : encodableError(err) }, 'value');
      }
    } catch (failure) {
      report('error', `${this.name}: an error reply could not be built`, failure);
      this.sendPlain(caller, { type: 'err', id, error: new Error('the remote error could not be sent') });
    }
  }

  /**
   * Encodes and sends a reply. A reply whose references need something first (a ticket from a
   * third process) is sent once it has it; one that cannot be encoded gives back the references
   * it reserved and becomes an error reply.
   */
  private sendEncoded(caller: Caller, reply: Reply & { id: number }, ret: ReturnTypeOption, forceRef?: unknown): void {
    let encoder: RefEncoder | undefined;
    let encoded: EncodedMessage | Promise<EncodedMessage>;
    try {
      if (reply.type === 'ok' && holdsNoReference(reply.value)) {
        encoded = encodePlain(caller.codec, replyToWire(reply));
      } else {
        const info = caller.peer.info;
        encoder = new RefEncoder({ owner: this, peer: caller.id, destination: info?.server ?? '', recipient: recipientOf(info), returnType: ret, forceRef });
        encoded = encodeWithRefs(caller.codec, replyToWire(reply), encoder);
      }
    } catch (err) {
      this.replyUnsendable(caller, reply, err);
      return;
    }
    if (encoded instanceof Promise) {
      encoded.then((ready) => this.queueReply(caller, reply, ready, encoder), (err) => this.replyUnsendable(caller, reply, err));
    } else {
      this.queueReply(caller, reply, encoded, encoder);
    }
  }

  /**
   * Queues an encoded reply (with the encoder that reserved its references, if it had any); one
   * larger than the client accepts becomes MessageTooLargeError, and a refused one gives back
   * what its encoder reserved.
   */
  private queueReply(caller: Caller, reply: Reply & { id: number }, encoded: EncodedMessage, encoder: RefEncoder | undefined): void {
    const size = messageSize(encoded);
    const limit = caller.peer.maxMessageSize;
    if (limit !== undefined && size > limit) {
      encoder?.abandon();
      this.replyTooLarge(caller, reply, size, limit);
    } else if (!this.sendRaw(caller, encoded, reply.id)) {
      encoder?.abandon();
    }
  }

  /** A reply that could not be encoded becomes an error reply (an error reply, a plain one). */
  private replyUnsendable(caller: Caller, reply: Reply & { id: number }, err: unknown): void {
    if (reply.type === 'ok') this.replyError(caller, reply.id, new TypeError(`the result could not be sent: ${(err as Error)?.message ?? err}`));
    else if (reply.type === 'err') this.sendPlain(caller, { type: 'err', id: reply.id, error: encodableError(reply.error) });
  }

  /** A reply larger than the client accepts becomes a MessageTooLargeError for its call. */
  private replyTooLarge(caller: Caller, reply: Reply & { id: number }, size: number, limit: number): void {
    const error = new MessageTooLargeError(`the reply is ${describeBytes(size)} encoded, over the maxMessageSize of ${describeBytes(limit)} that ${this.describePeer(caller.id)} accepts`, size, limit);
    if (reply.type === 'ok') this.replyError(caller, reply.id, new SystemFailure(error));
    else this.sendPlain(caller, { type: 'err', id: reply.id, error: encodableError(error), sys: error.code });
  }

  /** Sends a reply that holds no references. */
  private sendPlain(caller: Caller, reply: Reply): void {
    this.sendRaw(caller, encodePlain(caller.codec, replyToWire(reply)), 'id' in reply ? reply.id : 0);
  }

  /** Queues an encoded reply to call `id` (0: a notice); false when the send queue refused it. */
  private sendRaw(caller: Caller, message: EncodedMessage, id: number): boolean {
    try {
      this.link.send(caller.id, caller.codec, message);
      return true;
    } catch (err) {
      if (err instanceof QueueFullError) this.replyQueueFull(caller, id, messageSize(message), err);
      else report('error', `${this.name}: could not queue a reply to ${this.describePeer(caller.id)}`, err);
      return false;
    }
  }

  /**
   * A reply refused because the peer's queue is full becomes a small QueueFullError reply, so the
   * call fails at once rather than at its timeout; when even that finds no room (the small-message
   * allowance is used up too), the reply is dropped and the call times out. Reported either way.
   */
  private replyQueueFull(caller: Caller, id: number, size: number, err: QueueFullError): void {
    const who = this.describePeer(caller.id);
    if (id) {
      const message = encodePlain(caller.codec, replyToWire({ type: 'err', id, error: encodableError(err), sys: err.code }));
      try {
        this.link.send(caller.id, caller.codec, message);
        this.reportQueueFull(`${this.name}: a reply of ${describeBytes(size)} to ${who} was replaced by QueueFullError: ${err.message}`);
        return;
      } catch {
        // no room even for the error reply
      }
    }
    this.reportQueueFull(`${this.name}: dropped a message of ${describeBytes(size)} to ${who}, whose send queue is full: ${err.message}${id ? '; the call will time out' : ''}`);
  }

  // ----- peers

  private onRejected(peerId: string | undefined, err: unknown): void {
    this.reportBadMessage(`${this.name}: dropped a malformed message${peerId ? ` from ${this.describePeer(peerId)}` : ''}`, err);
  }

  /**
   * ZeroMQ dropped a connection. Its monitor says neither why nor whose: a client that closes
   * says `bye` first and the spawner reports a child's exit, so a drop with neither (within
   * DROP_GRACE, whichever comes first) is a peer that died unannounced or one that sent a frame
   * over maxMessageSize, which libzmq refuses by dropping the connection before reading it.
   * Reported at `info`: a remote process that crashed is the usual cause, not worth a warning.
   * Once this server is closing, every drop is its own doing: its peers were told `closing`.
   */
  private onDisconnect(): void {
    if (this.closing) return;
    if (this.goodbyes > 0) {
      this.goodbyes--;
      return;
    }
    this.unexplainedDrops++;
    this.dropTimer ??= setTimeout(() => this.reportDrops(), DROP_GRACE).unref();
  }

  private explainDrop(): void {
    if (this.unexplainedDrops > 0) this.unexplainedDrops--;
    // bounded: goodbyes without connections (a raw peer repeating `bye`) must not hide later drops
    else this.goodbyes = Math.min(this.goodbyes + 1, this.peers.size);
  }

  private reportDrops(): void {
    this.dropTimer = undefined;
    const n = this.unexplainedDrops;
    this.unexplainedDrops = 0;
    if (n === 0) return;
    this.reportUnexplainedDrop(`${this.name}: ZeroMQ dropped ${n} connection(s) to ${this.address} without a goodbye: the peer died, or sent a frame over this server's maxMessageSize of ${describeBytes(this.maxMessageSize)} (refused unread)`);
  }

  private onSendFailed(peerId: string, err: unknown, n: number): void {
    // a closing server tells every peer it still knows, and one that left without a goodbye (a
    // probe, a client that closed) is known until its timeout: that notice cannot be delivered,
    // and nothing it carried is lost
    if (this.closing && (err as { code?: unknown } | null)?.code === 'EHOSTUNREACH') return;
    report('warn', `${this.name}: could not send ${n} message(s) to ${this.describePeer(peerId)} (it may be gone)`, err);
  }

  private describePeer(peerId: string): string {
    const info = this.peers.get(peerId)?.info;
    return info ? `${info.name} (pid ${info.pid} on ${info.host})` : `peer ${peerId}`;
  }

  private forget(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (peer) for (const c of peer.calls.values()) c.abort(new Error('the caller went away'));
    this.peers.delete(peerId);
    this.table.dropHolder(peerId);
  }

  private closeIfIdle(): void {
    if (this.table.size > 0 || this.published.size > 0) return;
    for (const peer of this.peers.values()) if (peer.calls.size > 0) return;
    void this.close();
  }

  /** The URL to import for `specifier`; a refusal answers as the server's own error. */
  private async admitImport(specifier: string): Promise<string> {
    try {
      return await this.imports.admit(specifier);
    } catch (error) {
      // refused, or found nowhere: the caller gets the error class, not a RemoteError
      if (error instanceof ImportDeniedError || error instanceof NotFoundError) fail(error);
      throw error;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, peer] of this.peers) {
      // a client holding references keeps sending heartbeats even while it waits on a call (a
      // stream's pull waits as long as its producer): its silence means it is gone
      if (now - peer.lastSeen > this.peerTimeout && (peer.calls.size === 0 || this.table.holds(id))) this.forget(id);
    }
    this.table.expireTickets(now);
  }
}

// callbacks go to processes of this machine and user (children, their siblings): a private ipc
// endpoint, which the kernel keeps to this uid; they serve only the objects handed out: nobody
// may import in them or close them
setLocalServerStarter(() => RPCServer.start({ address: privateEndpoint('callbacks'), closeWhenIdle: true, control: 'nobody' }));
