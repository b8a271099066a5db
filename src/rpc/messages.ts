/**
 * The messages of the RPC protocol, as they appear in a batch body (docs/PROTOCOL.md,
 * "Messages"). A request with `id` 0 expects no reply.
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

const requestTypes = new Set(['hello', 'batch', 'call', 'new', 'get', 'set', 'published', 'import', 'ticket', 'release', 'claim', 'cancel', 'ping', 'hb', 'bye', 'close']);
/** Requests that carry an `id` (0 when no reply is wanted). */
const withId = new Set(['hello', 'batch', 'call', 'new', 'get', 'set', 'published', 'import', 'ticket', 'ping', 'close']);
const returnTypes = new Set(['auto', 'proxy', 'value']);

/** `[id, count, id, count, ...]` */
function isReleaseList(v: unknown): v is (string | number)[] {
  return Array.isArray(v) && v.length % 2 === 0 && v.every((x, i) => (i % 2 === 0 ? typeof x === 'string' : Number.isInteger(x)));
}

/** `[ticket, recipient, ...]` */
function isClaimList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length % 2 === 0 && v.every((x) => typeof x === 'string');
}

/** Checks the shape of a decoded request; returns a description of what is wrong, or undefined. */
export function requestProblem(m: unknown): string | undefined {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return 'a message must be a map';
  const r = m as Record<string, unknown>;
  if (typeof r.type !== 'string' || !requestTypes.has(r.type)) return `unknown request type ${JSON.stringify(r.type)}`;
  if (withId.has(r.type) && !(Number.isInteger(r.id) && (r.id as number) >= 0)) return `${r.type}: id must be an integer >= 0`;
  if ('ret' in r && !returnTypes.has(r.ret as string)) return `${r.type}: ret must be 'auto', 'proxy' or 'value'`;
  switch (r.type) {
    case 'call':
    case 'new':
    case 'get':
    case 'set':
      if (typeof r.server !== 'string') return `${r.type}: server must be a string`;
      if (typeof r.obj !== 'string') return `${r.type}: obj must be a string`;
      if (!Array.isArray(r.path) || !r.path.every((s) => typeof s === 'string')) return `${r.type}: path must be an array of strings`;
      if ((r.type === 'call' || r.type === 'new') && !Array.isArray(r.args)) return `${r.type}: args must be an array`;
      if (r.chain !== undefined && typeof r.chain !== 'string') return `${r.type}: chain must be a string`;
      if (r.budget !== undefined && !(typeof r.budget === 'number' && r.budget >= 0)) return `${r.type}: budget must be a number of ms >= 0`;
      return undefined;
    case 'batch': {
      if (!Array.isArray(r.calls) || r.calls.length === 0) return 'batch: calls must be a non-empty array';
      if (r.chain !== undefined && typeof r.chain !== 'string') return 'batch: chain must be a string';
      if (r.budget !== undefined && !(typeof r.budget === 'number' && r.budget >= 0)) return 'batch: budget must be a number of ms >= 0';
      for (const [i, c] of (r.calls as unknown[]).entries()) {
        const type = (c as { type?: unknown } | null)?.type;
        const problem = type === 'call' ? requestProblem({ ...(c as object), id: 0, chain: undefined, budget: undefined }) : "type must be 'call'";
        if (problem) return `batch: calls[${i}]: ${problem}`;
      }
      return undefined;
    }
    case 'published':
      return typeof r.name === 'string' ? undefined : 'published: name must be a string';
    case 'import':
      return typeof r.specifier === 'string' ? undefined : 'import: specifier must be a string';
    case 'ticket':
      return typeof r.server === 'string' && typeof r.obj === 'string' ? undefined : 'ticket: server and obj must be strings';
    case 'release':
      return isReleaseList(r.refs) ? undefined : 'release: refs must be [obj, count, ...]';
    case 'claim':
      return isClaimList(r.tickets) ? undefined : 'claim: tickets must be [ticket, recipient, ...] strings';
    case 'cancel':
      return Number.isInteger(r.call) ? undefined : 'cancel: call must be an integer';
    case 'hello': {
      const p = r.peer as Record<string, unknown> | null;
      if (!p || typeof p !== 'object' || typeof p.name !== 'string' || !Number.isInteger(p.pid) || typeof p.host !== 'string' || typeof p.server !== 'string') {
        return 'hello: peer must be {name, pid, host, server}';
      }
      if (r.owner !== undefined && typeof r.owner !== 'string') return 'hello: owner must be a string';
      if (r.maxMessageSize !== undefined && !(Number.isSafeInteger(r.maxMessageSize) && (r.maxMessageSize as number) > 0)) return 'hello: maxMessageSize must be a positive integer';
      return undefined;
    }
    default:
      return undefined;
  }
}
