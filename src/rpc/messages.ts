/**
 * The messages of the RPC protocol, as they appear in a batch body (docs/PROTOCOL.md,
 * "Messages"). A request with `id` 0 expects no reply.
 */

/** What a returned value becomes: by the usual rules, always a reference, or always data. */
export type ReturnType = 'auto' | 'proxy' | 'value';

/** A process's description of itself, exchanged in `hello`. */
export interface PeerInfo {
  name: string;
  pid: number;
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

/** Requests, client to server. */
export type Request =
  | { type: 'hello'; id: number; peer: PeerInfo }
  | ({ type: 'call'; id: number; obj: number; path: string[]; args: unknown[]; ret: ReturnType } & Traced)
  | ({ type: 'new'; id: number; obj: number; path: string[]; args: unknown[]; ret: ReturnType } & Traced)
  | ({ type: 'get'; id: number; obj: number; path: string[]; ret: ReturnType } & Traced)
  | ({ type: 'set'; id: number; obj: number; path: string[]; value: unknown } & Traced)
  | { type: 'published'; id: number; name: string }
  | { type: 'import'; id: number; specifier: string }
  | { type: 'ticket'; id: number; obj: number; for?: string }
  | { type: 'release'; refs: number[] }
  | { type: 'claim'; tickets: number[] }
  | { type: 'cancel'; call: number }
  | { type: 'ping'; id: number }
  | { type: 'hb' }
  | { type: 'bye' }
  | { type: 'close'; id: number };

/** Replies and notices, server to client. */
export type Reply =
  | { type: 'ok'; id: number; value: unknown }
  | { type: 'err'; id: number; error: unknown; sys?: string }
  | { type: 'closing' }
  | { type: 'autherr'; message: string };

/** Request types that carry an object id and a path. */
export type TargetedRequest = Extract<Request, { obj: number; path: string[] }>;

const requestTypes = new Set(['hello', 'call', 'new', 'get', 'set', 'published', 'import', 'ticket', 'release', 'claim', 'cancel', 'ping', 'hb', 'bye', 'close']);
/** Requests that carry an `id` (0 when no reply is wanted). */
const withId = new Set(['hello', 'call', 'new', 'get', 'set', 'published', 'import', 'ticket', 'ping', 'close']);
const returnTypes = new Set(['auto', 'proxy', 'value']);

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x));
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
      if (!Number.isInteger(r.obj)) return `${r.type}: obj must be an integer`;
      if (!Array.isArray(r.path) || !r.path.every((s) => typeof s === 'string')) return `${r.type}: path must be an array of strings`;
      if ((r.type === 'call' || r.type === 'new') && !Array.isArray(r.args)) return `${r.type}: args must be an array`;
      if (r.chain !== undefined && typeof r.chain !== 'string') return `${r.type}: chain must be a string`;
      if (r.budget !== undefined && !(typeof r.budget === 'number' && r.budget >= 0)) return `${r.type}: budget must be a number of ms >= 0`;
      return undefined;
    case 'published':
      return typeof r.name === 'string' ? undefined : 'published: name must be a string';
    case 'import':
      return typeof r.specifier === 'string' ? undefined : 'import: specifier must be a string';
    case 'ticket':
      return Number.isInteger(r.obj) ? undefined : 'ticket: obj must be an integer';
    case 'release':
      return isIntArray(r.refs) && r.refs.length % 2 === 0 ? undefined : 'release: refs must be [obj, count, ...]';
    case 'claim':
      return isIntArray(r.tickets) ? undefined : 'claim: tickets must be integers';
    case 'cancel':
      return Number.isInteger(r.call) ? undefined : 'cancel: call must be an integer';
    case 'hello': {
      const p = r.peer as Record<string, unknown> | null;
      if (!p || typeof p !== 'object' || typeof p.name !== 'string' || !Number.isInteger(p.pid) || typeof p.host !== 'string' || typeof p.server !== 'string') {
        return 'hello: peer must be {name, pid, host, server}';
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
