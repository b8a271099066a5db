/**
 * The messages of the RPC protocol (docs/PROTOCOL.md, "Messages"): as this code handles them
 * (maps with a `type`), and as they travel in a batch body (positional arrays whose first element
 * is a type code, so a receiver decodes no key strings and checks each field where it reads
 * it). A request with `id` 0 expects no reply.
 */

/** What a returned value becomes: by the usual rules, always a reference, or always data. */
export type ReturnTypeOption = 'auto' | 'proxy' | 'value';

/** A process's description of itself, exchanged in `hello`. */
export interface PeerInfo {
  /** The process's name (its first server's). */
  name: string;
  /** Its pid. */
  pid: number;
  /** Its machine's host name. */
  host: string;
  /** Id of the process's own server, when it runs one (so refs to it are recognised). */
  server: string;
}

/**
 * What a call may say about where it comes from: the causal chain it belongs to, and how long its
 * caller still waits for it (ms), which calls made while serving it inherit.
 */
export interface Traced {
  chain?: string;
  budget?: number;
}

/**
 * Requests, client to server. Object ids and tickets are 128 random bits in base64url; a request
 * about an object names the server instance (`server`) its reference came from.
 */
export type Request =
  | { type: 'hello'; id: number; peer: PeerInfo; owner?: string; maxMessageSize?: number }
  | ({ type: 'call'; id: number; server: string; obj: string; path: string[]; args: unknown[]; ret: ReturnTypeOption } & Traced)
  | ({ type: 'new'; id: number; server: string; obj: string; path: string[]; args: unknown[]; ret: ReturnTypeOption } & Traced)
  | ({ type: 'get'; id: number; server: string; obj: string; path: string[]; ret: ReturnTypeOption } & Traced)
  | ({ type: 'set'; id: number; server: string; obj: string; path: string[]; value: unknown } & Traced)
  /** Calls run in order, stopping at the first failure; the reply's value is a {@link BatchReply}. */
  | ({ type: 'batch'; id: number; calls: BatchCall[] } & Traced)
  | { type: 'published'; id: number; name: string }
  | { type: 'import'; id: number; specifier: string }
  | { type: 'ticket'; id: number; server: string; obj: string; for?: string }
  /** `[obj, count, obj, count, ...]` */
  | { type: 'release'; refs: (string | number)[] }
  /** `[ticket, recipient, ticket, recipient, ...]`: each ticket with the recipient it was issued for */
  | { type: 'claim'; tickets: string[] }
  | { type: 'cancel'; call: number }
  | { type: 'ping'; id: number }
  | { type: 'hb' }
  | { type: 'bye' }
  | { type: 'close'; id: number };

/** Replies and notices, server to client. */
export type Reply =
  | { type: 'ok'; id: number; value: unknown }
  | { type: 'err'; id: number; error: unknown; sys?: string }
  | { type: 'closing' };

/** Request types that carry an object id and a path. */
export type TargetedRequest = Extract<Request, { obj: string; path: string[] }>;

/** One call of a `batch` request: a `call` request without `id`. */
export type BatchCall = { type: 'call'; server: string; obj: string; path: string[]; args: unknown[]; ret: ReturnTypeOption };

/**
 * The value of a `batch` request's `ok` reply: the results of the calls that succeeded, in order;
 * for the call that failed (the one after them), its error and, for an error of the server's own
 * machinery, its `sys` code.
 */
export interface BatchReply {
  results: unknown[];
  error?: unknown;
  sys?: string;
}

/**
 * The recipient a ticket is issued for, from what that process said in its `hello`: its server's
 * id, or `pid@host` for a process that runs no server; '' when it never said hello.
 */
export function recipientOf(info: PeerInfo | undefined): string {
  if (!info) return '';
  return info.server || `${info.pid}@${info.host}`;
}

// ----- the wire form

/** The first element of a request on the wire. */
const REQUEST_CODES = {
  hello: 1, call: 2, new: 3, get: 4, set: 5, batch: 6, published: 7, import: 8, ticket: 9, release: 10, claim: 11, cancel: 12, ping: 13, hb: 14, bye: 15, close: 16,
} as const satisfies Record<Request['type'], number>;
const REQUEST_TYPES: (Request['type'] | undefined)[] = [];
for (const [type, code] of Object.entries(REQUEST_CODES)) REQUEST_TYPES[code] = type as Request['type'];

/** The first element of a reply or notice on the wire. */
const REPLY_CODES = { ok: 1, err: 2, closing: 3 } as const satisfies Record<Reply['type'], number>;

/** `ret` travels as its index here. */
const RETURN_TYPES: readonly ReturnTypeOption[] = ['auto', 'proxy', 'value'];
const RETURN_CODES: Record<ReturnTypeOption, number> = { auto: 0, proxy: 1, value: 2 };

/** `chain` and `budget` follow the fixed fields only when one of them is set (absent: nil or left out). */
function withTrace(fields: unknown[], r: Traced): unknown[] {
  if (r.chain !== undefined || r.budget !== undefined) fields.push(r.chain ?? null, r.budget ?? null);
  return fields;
}

/** The wire form of a request. */
export function requestToWire(r: Request): unknown[] {
  switch (r.type) {
    case 'call':
    case 'new':
      return withTrace([REQUEST_CODES[r.type], r.id, r.server, r.obj, r.path, r.args, RETURN_CODES[r.ret]], r);
    case 'get':
      return withTrace([REQUEST_CODES.get, r.id, r.server, r.obj, r.path, RETURN_CODES[r.ret]], r);
    case 'set':
      return withTrace([REQUEST_CODES.set, r.id, r.server, r.obj, r.path, r.value], r);
    case 'batch':
      return withTrace([REQUEST_CODES.batch, r.id, r.calls.map((c) => [c.server, c.obj, c.path, c.args, RETURN_CODES[c.ret]])], r);
    case 'hello':
      return [REQUEST_CODES.hello, r.id, r.peer, r.owner ?? null, r.maxMessageSize ?? null];
    case 'published':
      return [REQUEST_CODES.published, r.id, r.name];
    case 'import':
      return [REQUEST_CODES.import, r.id, r.specifier];
    case 'ticket':
      return r.for === undefined ? [REQUEST_CODES.ticket, r.id, r.server, r.obj] : [REQUEST_CODES.ticket, r.id, r.server, r.obj, r.for];
    case 'release':
      return [REQUEST_CODES.release, r.refs];
    case 'claim':
      return [REQUEST_CODES.claim, r.tickets];
    case 'cancel':
      return [REQUEST_CODES.cancel, r.call];
    case 'ping':
    case 'close':
      return [REQUEST_CODES[r.type], r.id];
    case 'hb':
    case 'bye':
      return [REQUEST_CODES[r.type]];
  }
}

/** The wire form of a reply or notice. */
export function replyToWire(r: Reply): unknown[] {
  switch (r.type) {
    case 'ok':
      return [REPLY_CODES.ok, r.id, r.value];
    case 'err':
      return r.sys === undefined ? [REPLY_CODES.err, r.id, r.error] : [REPLY_CODES.err, r.id, r.error, r.sys];
    case 'closing':
      return [REPLY_CODES.closing];
  }
}

/** A received request that is not one: what is wrong, and the id to answer it under (0: none). */
export class BadRequest {
  constructor(
    readonly problem: string,
    readonly id: number,
  ) {}
}

/** Thrown inside {@link readRequest} by the field checks; becomes a {@link BadRequest}. */
class Problem {
  constructor(readonly text: string) {}
}

function bad(text: string): never {
  throw new Problem(text);
}

function str(v: unknown, what: string): string {
  return typeof v === 'string' ? v : bad(`${what} must be a string`);
}

function optionalStr(v: unknown, what: string): string | undefined {
  return v === null || v === undefined ? undefined : str(v, what);
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) bad(`${what} must be an array of strings`);
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') bad(`${what} must be an array of strings`);
  return v as string[];
}

function list(v: unknown, what: string): unknown[] {
  return Array.isArray(v) ? v : bad(`${what} must be an array`);
}

function ret(v: unknown): ReturnTypeOption {
  if (v === null || v === undefined) return 'auto';
  return (typeof v === 'number' && RETURN_TYPES[v]) || bad('ret must be 0 (auto), 1 (proxy) or 2 (value)');
}

function chainOf(v: unknown): string | undefined {
  return optionalStr(v, 'chain');
}

function budgetOf(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'number' && v >= 0 ? v : bad('budget must be a number of ms >= 0');
}

/** `[id, count, id, count, ...]` */
function releaseList(v: unknown): (string | number)[] {
  const ok = Array.isArray(v) && v.length % 2 === 0 && v.every((x, i) => (i % 2 === 0 ? typeof x === 'string' : Number.isInteger(x)));
  return ok ? v : bad('refs must be [obj, count, ...]');
}

/** `[ticket, recipient, ...]` */
function claimList(v: unknown): string[] {
  const ok = Array.isArray(v) && v.length % 2 === 0 && v.every((x) => typeof x === 'string');
  return ok ? v : bad('tickets must be [ticket, recipient, ...] strings');
}

function peerInfo(v: unknown): PeerInfo {
  const p = v as Record<string, unknown> | null;
  if (!p || typeof p !== 'object' || typeof p.name !== 'string' || !Number.isInteger(p.pid) || typeof p.host !== 'string' || typeof p.server !== 'string') {
    bad('peer must be {name, pid, host, server}');
  }
  return { name: p.name as string, pid: p.pid as number, host: p.host as string, server: p.server as string };
}

function maxSize(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  return Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : bad('maxMessageSize must be a positive integer');
}

function batchCalls(v: unknown): BatchCall[] {
  if (!Array.isArray(v) || v.length === 0) bad('calls must be a non-empty array');
  return v.map((c, i) => {
    if (!Array.isArray(c)) bad(`calls[${i}] must be [server, obj, path, args, ret]`);
    try {
      return { type: 'call' as const, server: str(c[0], 'server'), obj: str(c[1], 'obj'), path: strings(c[2], 'path'), args: list(c[3], 'args'), ret: ret(c[4]) };
    } catch (err) {
      throw err instanceof Problem ? new Problem(`calls[${i}]: ${err.text}`) : err;
    }
  });
}

/**
 * A received request in the form this code handles, or a {@link BadRequest} saying what is
 * wrong with it. Elements after the ones a type defines are ignored (room for later fields).
 */
export function readRequest(m: unknown): Request | BadRequest {
  if (!Array.isArray(m) || m.length === 0) return new BadRequest('a message must be an array whose first element is its type code', 0);
  const type = typeof m[0] === 'number' ? REQUEST_TYPES[m[0]] : undefined;
  // a newer peer's request this side does not know is answered when it has an id, not left to time out
  if (type === undefined) return new BadRequest(`unknown request type ${JSON.stringify(m[0])}`, Number.isInteger(m[1]) && (m[1] as number) > 0 ? (m[1] as number) : 0);
  const id = m[1];
  const hasId = type !== 'release' && type !== 'claim' && type !== 'cancel' && type !== 'hb' && type !== 'bye';
  if (hasId && !(Number.isInteger(id) && (id as number) >= 0)) return new BadRequest(`${type}: id must be an integer >= 0`, 0);
  try {
    return fields(type, m, id as number);
  } catch (err) {
    if (err instanceof Problem) return new BadRequest(`${type}: ${err.text}`, hasId ? (id as number) : 0);
    throw err;
  }
}

function fields(type: Request['type'], m: unknown[], id: number): Request {
  switch (type) {
    case 'call':
    case 'new':
      return { type, id, server: str(m[2], 'server'), obj: str(m[3], 'obj'), path: strings(m[4], 'path'), args: list(m[5], 'args'), ret: ret(m[6]), chain: chainOf(m[7]), budget: budgetOf(m[8]) };
    case 'get':
      return { type, id, server: str(m[2], 'server'), obj: str(m[3], 'obj'), path: strings(m[4], 'path'), ret: ret(m[5]), chain: chainOf(m[6]), budget: budgetOf(m[7]) };
    case 'set':
      return { type, id, server: str(m[2], 'server'), obj: str(m[3], 'obj'), path: strings(m[4], 'path'), value: m[5], chain: chainOf(m[6]), budget: budgetOf(m[7]) };
    case 'batch':
      return { type, id, calls: batchCalls(m[2]), chain: chainOf(m[3]), budget: budgetOf(m[4]) };
    case 'hello':
      return { type, id, peer: peerInfo(m[2]), owner: optionalStr(m[3], 'owner'), maxMessageSize: maxSize(m[4]) };
    case 'published':
      return { type, id, name: str(m[2], 'name') };
    case 'import':
      return { type, id, specifier: str(m[2], 'specifier') };
    case 'ticket':
      return { type, id, server: str(m[2], 'server'), obj: str(m[3], 'obj'), for: typeof m[4] === 'string' ? m[4] : undefined };
    case 'release':
      return { type, refs: releaseList(m[1]) };
    case 'claim':
      return { type, tickets: claimList(m[1]) };
    case 'cancel':
      return Number.isInteger(m[1]) ? { type, call: m[1] as number } : bad('call must be an integer');
    case 'ping':
    case 'close':
      return { type, id };
    case 'hb':
    case 'bye':
      return { type };
  }
}

/**
 * A received reply or notice in the form this code handles; undefined for anything else (a
 * client ignores what it does not understand).
 */
export function readReply(m: unknown): Reply | undefined {
  if (!Array.isArray(m)) return undefined;
  switch (m[0]) {
    case REPLY_CODES.ok:
      return Number.isInteger(m[1]) ? { type: 'ok', id: m[1] as number, value: m[2] } : undefined;
    case REPLY_CODES.err:
      return Number.isInteger(m[1]) ? { type: 'err', id: m[1] as number, error: m[2], sys: typeof m[3] === 'string' ? m[3] : undefined } : undefined;
    case REPLY_CODES.closing:
      return { type: 'closing' };
    default:
      return undefined;
  }
}
