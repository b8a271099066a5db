/**
 * Actor references. In the actor's own process a reference is an RPC proxy whose client is the
 * actor's cell (the local fast path: no socket, no encoding); elsewhere it is an RPC proxy to
 * that same object, through the RPC client. Either way a tell is an `'off'` call, an ask a
 * `'sync'` one, a future an `'async'` one, and the message goes through the mailbox.
 */
import { CancelledError, InvalidArgumentError, TimeoutError } from '../errors.js';
import { CallState, currentCall } from '../rpc/call-context.js';
import type { RPCClient } from '../rpc/client.js';
import { Deadlines, type Timed } from '../rpc/deadlines.js';
import { Future } from '../rpc/future.js';
import type { Traced } from '../rpc/messages.js';
import { defaultCallOptions, type ResolvedCallOptions } from '../rpc/options.js';
import { makeProxy, proxyState } from '../rpc/proxy.js';
import { setReferenceView } from '../rpc/ref-codec.js';
import { RemoteRef, type ObjectRequest, type RefClient } from '../rpc/remote-ref.js';
import type { RPCServer } from '../rpc/server.js';
import { ActorContext, checkMessageName, type ActorCell, type Envelope, type Reply } from './actor-cell.js';

/**
 * The name an actor reference carries on the wire, by which a receiving process knows it for an
 * actor reference; its tells travel in the reference's oneway list, like any object's oneway
 * methods (rpc/exposure.ts), so the receiver sends them `'off'` without asking.
 */
const WIRE_PREFIX = 'actor:';

/** One ask waiting for its answer. */
class Ask implements Reply, Timed {
  settled = false;
  running: CallState | undefined = undefined;
  timeout = 0;
  deadline = 0;
  timing = false;

  constructor(private readonly to: Future<unknown> | { resolve(v: unknown): void; reject(e: unknown): void }) {}

  settle(ok: boolean, value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    deadlines.delete(this);
    if (this.to instanceof Future) this.to.settle(ok, value);
    else if (ok) this.to.resolve(value);
    else this.to.reject(value);
  }

  /** The caller gave up: answer with `reason`; a running message sees its signal aborted. */
  abort(reason: unknown): void {
    if (this.settled) return;
    this.settle(false, reason);
    this.running?.abort(reason);
  }
}

// every in-process ask's deadline on one timer (see rpc/deadlines.ts)
const deadlines = new Deadlines<Ask>((ask) => ask.abort(new TimeoutError(`ask got no answer within ${ask.timeout} ms`)));

/**
 * The timeout of an ask made now: `timeout`, or less when it is made while serving a message
 * whose asker waits less (a deadline is inherited, never extended).
 */
function inheritTimeout(timeout: number): number {
  const deadline = currentCall()?.deadline;
  if (deadline === undefined) return timeout;
  return Math.max(1, Math.min(timeout, Math.ceil(deadline - performance.now())));
}

function refuse(mode: ResolvedCallOptions['mode'], error: Error): unknown {
  if (mode === 'off') throw error;
  if (mode === 'async') {
    const future = new Future<unknown>();
    future.settle(false, error);
    return future;
  }
  return Promise.reject(error);
}

/** The RPC client of references to an actor in its own process: it hands messages to the cell. */
export class CellClient implements RefClient {
  cell!: ActorCell;

  constructor(private readonly server: RPCServer, private readonly askTimeout: number) {}

  get address(): string {
    return this.server.advertisedAddress;
  }

  /** The host holds the actor's object until the actor stops: nothing to count per reference. */
  queueRelease(): void {}

  async requestTicket(ref: RemoteRef, recipient: string): Promise<string> {
    return this.server.table.issueTicketFor(ref.obj, recipient);
  }

  request(_ref: RemoteRef, request: ObjectRequest, options: ResolvedCallOptions): unknown {
    const cell = this.cell;
    if (request.type !== 'call' && request.type !== 'get') {
      return refuse(options.mode, new InvalidArgumentError(`actor ${JSON.stringify(cell.id)}: ${request.type === 'set' ? 'its state changes only through its own messages' : 'an actor is not a constructor'}`));
    }
    const name = request.path[0];
    if (request.path.length !== 1) {
      return refuse(options.mode, new InvalidArgumentError(`actor ${JSON.stringify(cell.id)}: a message names one method or attribute, got ${request.path.join('.') || 'the actor itself'}`));
    }
    try {
      checkMessageName(name);
    } catch (err) {
      return refuse(options.mode, err as Error);
    }
    const hidden = cell.refusal(name);
    if (hidden) return refuse(options.mode, hidden);
    const { parallel, reentrant } = cell.declarations;
    const context = currentCall();
    const env: Envelope = {
      kind: request.type,
      name,
      args: request.type === 'call' ? request.args : [],
      chain: context?.chain,
      caller: context?.caller,
      reply: undefined,
      interleaves: reentrant || parallel.has(name),
    };
    // a tell comes in 'off': the reference's proxy sends each declared oneway method that way
    const mode = options.mode;
    if (mode === 'off') {
      cell.deliver(env);
      return undefined;
    }
    let result: unknown;
    let ask: Ask;
    if (mode === 'async') {
      const future = new Future<unknown>(() => ask.abort(new CancelledError('ask cancelled by the caller')));
      ask = new Ask(future);
      result = future;
    } else {
      result = new Promise((resolve, reject) => (ask = new Ask({ resolve, reject })));
    }
    env.reply = ask!;
    if (context instanceof CallState && !(context instanceof ActorContext)) {
      // asked through the RPC server for another process: that caller's timeout and cancel apply
      env.deadline = context.deadline;
      context.whenAborted((reason) => ask.abort(reason));
    } else {
      ask!.timeout = inheritTimeout(options.timeout || this.askTimeout);
      deadlines.add(ask!);
      env.deadline = ask!.deadline;
    }
    cell.deliver(env);
    return result;
  }
}

/**
 * Makes the reference of an actor in its own process, and registers it in `server`'s object
 * table (held by the host until the actor stops) so it can be passed to other processes.
 */
export function homeReference(server: RPCServer, className: string, tells: ReadonlySet<string>, askTimeout: number, holder: string): { proxy: object; client: CellClient; release(): void } {
  const client = new CellClient(server, askTimeout);
  // the reference needs the object id, which the table gives for the proxy: the proxy reads its
  // reference lazily, and never before it exists
  let ref: RemoteRef | undefined;
  const proxy = makeProxy({ get ref() { return ref!; }, path: [], options: defaultCallOptions }) as object;
  const obj = server.table.grant(proxy, holder);
  ref = new RemoteRef(client, server.id, obj, true, `${WIRE_PREFIX}${className}`, [...tells]);
  return { proxy, client, release: () => server.table.release(obj, holder, 1) };
}

/** The client of an actor reference received from another process: its asks carry their budget. */
class RemoteActorClient implements RefClient {
  constructor(private readonly inner: RemoteRef) {}

  get address(): string {
    return this.inner.client.address;
  }

  request(_ref: RemoteRef, request: ObjectRequest, options: ResolvedCallOptions): unknown {
    if (options.mode === 'off') return this.inner.client.request(this.inner, request, options);
    // an ask carries how long its caller waits, so the asks it makes in turn wait no longer
    const timeout = inheritTimeout(options.timeout || (this.inner.client as RPCClient).defaultTimeout);
    (request as Traced).budget = timeout;
    return this.inner.client.request(this.inner, request, timeout === options.timeout ? options : { ...options, timeout });
  }

  queueRelease(): void {
    this.inner.release();
  }

  requestTicket(_ref: RemoteRef, recipient: string): Promise<string> {
    return this.inner.client.requestTicket(this.inner, recipient);
  }
}

setReferenceView((proxy, wire) => {
  if (!wire.name.startsWith(WIRE_PREFIX) || wire.path.length > 0) return proxy;
  const inner = proxyState(proxy)!.ref;
  const ref = new RemoteRef(new RemoteActorClient(inner), inner.server, inner.obj, inner.callable, inner.name, inner.oneway);
  return makeProxy({ ref, path: [], options: defaultCallOptions });
});
