/**
 * RPCServer: a ROUTER socket serving an object table. It runs requests as they arrive (an
 * async method does not hold up the next request), answers each client in the codec it used,
 * and never lets a peer's bytes crash it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rateLimited, report } from '../diagnostics.js';
import { AlreadyExistsError, AuthError, InvalidArgumentError, NotFoundError, ProtocolError, ZeroprocError } from '../errors.js';
import { dynamicImport } from '../dynamic-import.js';
import { advertisedAddress, checkAddress, isLocalOnly } from '../transport/endpoint.js';
import { RouterLink, type RouterLinkOptions } from '../transport/router-link.js';
import type { Codec } from '../wire/codec.js';
import { PROTOCOL_VERSION, type ReceivedBatch } from '../wire/frames.js';
import { msgpackCodec } from '../wire/msgpack-codec.js';
import type { Authkey } from '../wire/signing.js';
import { findUndecodable, type Undecodable } from '../wire/values.js';
import { CallState, runInCall } from './call-context.js';
import { registerServer, resolveKey, setLocalServerStarter, unregisterServer, getDefaultAuthkey } from './local.js';
import { requestProblem, type PeerInfo, type Reply, type Request, type ReturnType, type TargetedRequest } from './messages.js';
import { ObjectTable } from './object-table.js';
import { RefDecoder, RefEncoder } from './ref-codec.js';
import { encodableError, SystemFailure } from './reply-errors.js';

/** Options of {@link RPCServer.start}. */
export interface RPCServerOptions {
  /** Where to bind: `tcp://host:port` (port `*` picks a free one), `ipc://path`. Default `tcp://127.0.0.1:*`. */
  address?: string;
  /**
   * Key every message must be signed with. Required to bind anything but loopback or ipc;
   * defaults to the process default key (`setDefaultAuthkey`, set by the spawner).
   */
  authkey?: Authkey;
  /** Name shown to clients and in errors. Default `pid-<pid>`. */
  name?: string;
  /**
   * How the `import` action loads a module. Default: `import()` of the specifier, with paths
   * resolved against the working directory.
   */
  importModule?: (specifier: string) => Promise<unknown>;
  /** Which specifiers clients may import (a list, or a predicate). Default: any. */
  allowImport?: readonly (string | RegExp)[] | ((specifier: string) => boolean);
  /** A client that holds references and is silent this long (ms) is presumed dead; its references are dropped. Default 60 000. */
  peerTimeout?: number;
  /** How long a reference forwarded to a third process stays reserved for it, ms. Default 300 000. */
  ticketTtl?: number;
  /** Socket options. */
  link?: RouterLinkOptions;
  /**
   * Close by itself once no client holds any of its objects and nothing is published (how the
   * lazily started callback server stops keeping the process alive). Default false.
   */
  closeWhenIdle?: boolean;
}

interface Peer {
  /** The codec of the peer's latest batch (for notices that answer no request). */
  codec: Codec;
  lastSeen: number;
  info: PeerInfo | undefined;
  calls: Map<number, CallState>;
}

/** Who sent a batch, and the codec to answer that batch in. */
interface Caller {
  id: string;
  peer: Peer;
  codec: Codec;
}

/** Path segments a client may not walk through: they lead to constructors and from there to code execution. */
const forbiddenSegments = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

const PROTOCOL_NAME = `zeroproc/${PROTOCOL_VERSION}`;

function fail(error: ZeroprocError): never {
  throw new SystemFailure(error);
}

function checkSegment(segment: string): void {
  if (forbiddenSegments.has(segment)) fail(new AuthError(`access to ${JSON.stringify(segment)} is not allowed`));
}

function defaultImport(specifier: string): Promise<unknown> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  return dynamicImport(isPath ? pathToFileURL(resolvePath(specifier)).href : specifier);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** A server of objects. Start one with {@link RPCServer.start}. */
export class RPCServer {
  /** Random id of this server instance; references name their owner by it. */
  readonly id = randomBytes(8).toString('hex');
  readonly name: string;
  /** Settles once the server is closed, by `close()` or by a client's `closeServer()`. */
  readonly closed: Promise<void>;
  /** @internal */
  readonly table: ObjectTable;

  private link!: RouterLink;
  private readonly published = new Map<string, object>();
  private readonly peers = new Map<string, Peer>();
  private readonly importModule: (specifier: string) => Promise<unknown>;
  private readonly allowImport: (specifier: string) => boolean;
  private readonly peerTimeout: number;
  private readonly sweeper: NodeJS.Timeout;
  private markClosed!: () => void;
  private advertised: string | undefined;
  private closing = false;
  private readonly reportBadMessage = rateLimited('warn');
  private readonly reportBadSignature = rateLimited('warn');
  private readonly authNoticeSent = new Map<string, number>();

  private constructor(options: RPCServerOptions) {
    this.name = options.name ?? `pid-${process.pid}`;
    this.table = new ObjectTable(options.ticketTtl ?? 300_000, () => {
      if (options.closeWhenIdle) setImmediate(() => this.closeIfIdle());
    });
    this.importModule = options.importModule ?? defaultImport;
    this.allowImport = importPolicy(options.allowImport);
    this.peerTimeout = options.peerTimeout ?? 60_000;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    this.sweeper = setInterval(() => this.sweep(), Math.min(5_000, Math.max(50, this.peerTimeout / 4)));
    this.sweeper.unref();
  }

  /**
   * Binds a server. Refuses (AuthError) to bind a non-loopback address without an authkey; on
   * loopback or ipc without a key it runs unsigned and says so once.
   */
  static async start(options: RPCServerOptions = {}): Promise<RPCServer> {
    const address = options.address ?? 'tcp://127.0.0.1:*';
    checkAddress(address);
    const key = resolveKey(options.authkey);
    if (!key && !isLocalOnly(address)) {
      throw new AuthError(`refusing to bind ${address} without an authkey: anyone who can reach it could run code in this process. Pass { authkey } (or bind 127.0.0.1 / ipc://)`);
    }
    const server = new RPCServer(options);
    try {
      server.link = await RouterLink.open(address, key, {
        batch: (peer, batch) => server.onBatch(peer, batch),
        rejected: (peer, err, codec) => server.onRejected(peer, err, codec),
        sendFailed: (peer, err, n) => server.onSendFailed(peer, err, n),
      }, options.link);
    } catch (err) {
      clearInterval(server.sweeper);
      throw new InvalidArgumentError(`could not bind ${address}: ${(err as Error).message}`, { cause: err });
    }
    if (!key) report('info', `RPC server ${server.name} at ${server.address} runs without an authkey: messages are not signed (loopback/ipc only)`);
    registerServer(server);
    return server;
  }

  /** The address the server is bound to (with the real port when bound to `*`). */
  get address(): string {
    return this.link.address;
  }

  /** The address references to this server's objects carry: `address`, with a wildcard host made reachable. */
  get advertisedAddress(): string {
    return this.advertised ??= advertisedAddress(this.link.address);
  }

  /** Number of objects currently held by clients (published objects not counted until handed out). */
  get objectCount(): number {
    return this.table.size;
  }

  /** Makes `obj` available to clients as `client.get(name)`. */
  publish(name: string, obj: object): void {
    if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) throw new InvalidArgumentError(`publish(${JSON.stringify(name)}): only objects and functions can be published`);
    if (this.published.has(name)) throw new AlreadyExistsError(`an object is already published as ${JSON.stringify(name)} on ${this.name}`);
    this.published.set(name, obj);
  }

  /** Removes a published name (clients holding proxies keep them). */
  unpublish(name: string): void {
    this.published.delete(name);
  }

  /**
   * Drops every reference held by clients in process `pid` on `host`, and the tickets sent to its
   * server `serverId` that it can no longer claim (the spawner calls it when a child ends).
   */
  dropClientsOf(pid: number, host = hostname(), serverId = ''): void {
    for (const [id, peer] of this.peers) {
      if (peer.info?.pid === pid && peer.info.host === host) this.forget(id);
    }
    this.table.dropTicketsFor(serverId);
  }

  /**
   * Imports `specifier` the way a client's `import` request does: refused (AuthError) unless the
   * import policy allows it, then loaded by the server's loader. For code that loads modules on a
   * client's behalf (an actor host spawning `'module#Export'`).
   */
  loadModule(specifier: string): Promise<unknown> {
    const refused = this.importRefusal(specifier);
    return refused ? Promise.reject(refused) : this.importModule(specifier);
  }

  private importRefusal(specifier: string): AuthError | undefined {
    return this.allowImport(specifier) ? undefined : new AuthError(`importing ${JSON.stringify(specifier)} is not allowed on ${this.name}`);
  }

  /** Closes the server: connected clients are told, and their pending calls reject with DisconnectedError. */
  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    clearInterval(this.sweeper);
    unregisterServer(this);
    for (const [id, peer] of this.peers) this.sendPlain({ id, peer, codec: peer.codec }, { type: 'closing' });
    for (const peer of this.peers.values()) for (const c of peer.calls.values()) c.abort(new Error('the server is closing'));
    await Promise.race([this.link.flushed(), new Promise((r) => setTimeout(r, 200).unref())]);
    this.link.close();
    this.markClosed();
  }

  /** Closes the server (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Walks `path` from `root`, refusing segments that lead to code execution. */
  resolvePath(root: unknown, path: readonly string[]): unknown {
    let value = root;
    for (const segment of path) {
      checkSegment(segment);
      if (value === null || value === undefined) fail(new NotFoundError(`cannot read ${JSON.stringify(segment)} of ${value} (path ${path.join('.')})`));
      value = (value as Record<string, unknown>)[segment];
    }
    return value;
  }

  // ----- receiving

  private onBatch(peerId: string, batch: ReceivedBatch): void {
    let peer = this.peers.get(peerId);
    if (!peer) {
      peer = { codec: batch.codec, lastSeen: 0, info: undefined, calls: new Map() };
      this.peers.set(peerId, peer);
    }
    peer.codec = batch.codec;
    peer.lastSeen = Date.now();
    // replies go back in the codec of the batch that asked, whatever the peer uses later
    const caller: Caller = { id: peerId, peer, codec: batch.codec };
    const state = { hooks: new RefDecoder(undefined), attachments: batch.attachments, next: 0, failures: 0 };
    let messages: unknown[];
    try {
      messages = batch.codec.decodeBatch(batch.body, state);
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
    const problem = requestProblem(message);
    if (problem || undecodable) {
      const id = (message as { id?: unknown })?.id;
      const cause = undecodable?.error;
      const error =
        cause instanceof SystemFailure ? cause
        : !problem && cause instanceof ZeroprocError ? new SystemFailure(cause)
        : new SystemFailure(new ProtocolError(problem ?? `a value in the request could not be decoded: ${(cause as Error)?.message ?? cause}`));
      if (Number.isInteger(id) && (id as number) > 0) this.replyError(caller, id as number, error);
      else this.reportBadMessage(`${this.name}: dropped a bad message from ${this.describePeer(caller.id)}`, error.error);
      return;
    }
    const m = message as Request;
    switch (m.type) {
      case 'hello':
        caller.peer.info = m.peer;
        return this.answer(caller, m.id, 'value', () => ({
          name: this.name, pid: process.pid, host: hostname(), server: this.id, protocol: PROTOCOL_NAME,
          heartbeat: Math.max(50, Math.min(5_000, Math.floor(this.peerTimeout / 3))),
          local: this.link.local,
        }));
      case 'call':
      case 'new':
      case 'get':
      case 'set':
        return this.execute(caller, m);
      case 'published':
        return this.answer(caller, m.id, 'proxy', () => {
          const obj = this.published.get(m.name);
          if (!obj) fail(new NotFoundError(`nothing is published as ${JSON.stringify(m.name)} on ${this.name}`));
          return obj;
        });
      case 'import':
        return this.answer(caller, m.id, 'proxy', () => {
          const refused = this.importRefusal(m.specifier);
          if (refused) fail(refused);
          return this.importModule(m.specifier);
        });
      case 'ticket':
        return this.answer(caller, m.id, 'value', () => {
          this.lookup(m.obj);
          return this.table.issueTicketFor(m.obj, typeof m.for === 'string' ? m.for : '');
        });
      case 'release':
        for (let i = 0; i < m.refs.length; i += 2) this.table.release(m.refs[i]!, caller.id, m.refs[i + 1]!);
        return;
      case 'claim':
        for (const t of m.tickets) this.table.claim(t, caller.id);
        return;
      case 'cancel':
        caller.peer.calls.get(m.call)?.abort(new Error('cancelled by the caller'));
        return;
      case 'ping':
        return this.answer(caller, m.id, 'value', () => ({ time: Date.now() }));
      case 'hb':
        return;
      case 'bye':
        this.forget(caller.id);
        return;
      case 'close':
        this.answer(caller, m.id, 'value', () => null);
        void this.close();
        return;
    }
  }

  /**
   * Runs `fn` and replies with its (awaited) result or error; with `id` 0 nobody waits for the
   * answer, so a failure is reported here, naming the request `m` when there is one.
   */
  private answer(caller: Caller, id: number, ret: ReturnType, fn: () => unknown, m?: TargetedRequest): void {
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      if (id) this.replyError(caller, id, err);
      else this.reportUnheard(caller, m, err);
      return;
    }
    if (!isThenable(result)) {
      if (id) this.reply(caller, id, result, ret);
      return;
    }
    Promise.resolve(result).then(
      (value) => id && this.reply(caller, id, value, ret),
      (err) => (id ? this.replyError(caller, id, err) : this.reportUnheard(caller, m, err)),
    );
  }

  // described only on failure: building the text for every call cost more than the call's lookup
  private reportUnheard(caller: Caller, m: TargetedRequest | undefined, err: unknown): void {
    const what = m ? `'off' ${m.type} of ${m.path.join('.') || `object #${m.obj}`}` : 'a request without reply';
    report('error', `${this.name}: ${what} failed (called by ${this.describePeer(caller.id)})`, err);
  }

  private execute(caller: Caller, m: TargetedRequest): void {
    const { peer } = caller;
    const call = new CallState(peer.info, m.chain, undefined, m.budget === undefined ? undefined : performance.now() + m.budget);
    if (m.id) peer.calls.set(m.id, call);
    const done = () => void (m.id && peer.calls.delete(m.id));
    this.answer(caller, m.id, m.type === 'set' ? 'value' : m.ret ?? 'auto', () => {
      let result: unknown;
      try {
        result = runInCall(call, () => this.perform(this.lookup(m.obj), m));
      } catch (err) {
        done();
        throw err;
      }
      if (!isThenable(result)) {
        done();
        return result;
      }
      return Promise.resolve(result).finally(done);
    }, m);
  }

  private lookup(obj: number): object {
    try {
      return this.table.get(obj);
    } catch (err) {
      return fail(err as ZeroprocError);
    }
  }

  private perform(root: object, m: TargetedRequest): unknown {
    const last = m.path[m.path.length - 1];
    switch (m.type) {
      case 'get':
        return this.resolvePath(root, m.path);
      case 'set': {
        if (last === undefined) fail(new InvalidArgumentError('set needs a non-empty path'));
        const holder = this.resolvePath(root, m.path.slice(0, -1));
        checkSegment(last);
        if (holder === null || (typeof holder !== 'object' && typeof holder !== 'function')) fail(new NotFoundError(`cannot set ${m.path.join('.')}: its parent is ${holder === null ? 'null' : typeof holder}`));
        (holder as Record<string, unknown>)[last] = m.value;
        return undefined;
      }
      case 'call': {
        const holder = last === undefined ? undefined : this.resolvePath(root, m.path.slice(0, -1));
        const fn = last === undefined ? root : this.resolvePath(holder, [last]);
        if (typeof fn !== 'function') fail(new InvalidArgumentError(`${m.path.join('.') || 'the object'} is not a function (it is ${fn === null ? 'null' : typeof fn})`));
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

  private reply(caller: Caller, id: number, value: unknown, ret: ReturnType): void {
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
  private sendEncoded(caller: Caller, reply: Reply & { id: number }, ret: ReturnType, forceRef?: unknown): void {
    const encoder = new RefEncoder({ owner: this, peer: caller.id, destination: caller.peer.info?.server ?? '', returnType: ret, forceRef });
    const unsendable = (err: unknown): void => {
      encoder.abandon();
      if (reply.type === 'ok') this.replyError(caller, reply.id, new TypeError(`the result could not be sent: ${(err as Error)?.message ?? err}`));
      else if (reply.type === 'err') this.sendPlain(caller, { type: 'err', id: reply.id, error: encodableError(reply.error) });
    };
    const attempt = (): boolean => {
      const attachments: Buffer[] = [];
      let data: Buffer;
      try {
        encoder.rewind();
        data = caller.codec.encode(reply, { hooks: encoder, attachments });
      } catch (err) {
        unsendable(err);
        return true;
      }
      if (!encoder.complete) return false;
      if (!this.sendRaw(caller, data, attachments)) encoder.abandon();
      return true;
    };
    // a second pass may meet references the first did not (the value changed meanwhile)
    const step = (): void => {
      if (!attempt()) encoder.prepare().then(step, unsendable);
    };
    step();
  }

  /** Sends a reply that holds no references. */
  private sendPlain(caller: Caller, reply: Reply): void {
    const attachments: Buffer[] = [];
    this.sendRaw(caller, caller.codec.encode(reply, { hooks: undefined, attachments }), attachments);
  }

  /** Queues an encoded reply; false when the send queue refused it. */
  private sendRaw(caller: Caller, data: Buffer, attachments: Buffer[]): boolean {
    try {
      this.link.send(caller.id, caller.codec, { data, attachments });
      return true;
    } catch (err) {
      report('error', `${this.name}: could not queue a reply to ${this.describePeer(caller.id)}`, err);
      return false;
    }
  }

  // ----- peers

  private onRejected(peerId: string | undefined, err: unknown, codec: Codec | undefined): void {
    if (err instanceof AuthError && peerId) {
      this.reportBadSignature(`${this.name}: dropped a message from ${this.describePeer(peerId)}: ${err.message}`);
      // tell the sender once a second at most, unsigned, so a client with the wrong key fails fast
      const now = Date.now();
      if (now - (this.authNoticeSent.get(peerId) ?? 0) < 1_000) return;
      this.authNoticeSent.set(peerId, now);
      const replyCodec = codec ?? msgpackCodec;
      const attachments: Buffer[] = [];
      const data = replyCodec.encode({ type: 'autherr', message: err.message }, { hooks: undefined, attachments });
      this.link.sendUnsigned(peerId, replyCodec, { data, attachments });
      return;
    }
    this.reportBadMessage(`${this.name}: dropped a malformed message${peerId ? ` from ${this.describePeer(peerId)}` : ''}`, err);
  }

  private onSendFailed(peerId: string, err: unknown, n: number): void {
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
    this.authNoticeSent.delete(peerId);
    this.table.dropHolder(peerId);
  }

  private closeIfIdle(): void {
    if (this.table.size > 0 || this.published.size > 0) return;
    for (const peer of this.peers.values()) if (peer.calls.size > 0) return;
    void this.close();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, peer] of this.peers) {
      if (now - peer.lastSeen > this.peerTimeout && peer.calls.size === 0) this.forget(id);
    }
    this.table.expireTickets(now);
    for (const [id, sent] of this.authNoticeSent) if (now - sent > 1_000) this.authNoticeSent.delete(id);
  }
}

function importPolicy(allow: RPCServerOptions['allowImport']): (specifier: string) => boolean {
  if (allow === undefined) return () => true;
  if (typeof allow === 'function') return allow;
  return (s) => allow.some((rule) => (typeof rule === 'string' ? rule === s : rule.test(s)));
}

setLocalServerStarter(() => RPCServer.start({ authkey: getDefaultAuthkey(), closeWhenIdle: true }));
