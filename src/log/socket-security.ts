/**
 * Who may reach a log socket. Records carry no signature and subscribers give no credential, so
 * the link itself must admit only the process tree: this file is the one place where a log
 * socket's security is chosen, for the LogServer's PULL and PUB sockets, a sender's PUSH and a
 * `zeroproc logs --connect` subscriber alike.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import type { Socket } from 'zeromq';
import { InvalidArgumentError } from '../errors.js';
import { resolveKey, type LinkAuth } from '../rpc/local.js';
import { linkSecurity, z85Decode } from '../transport/curve.js';
import { checkAddress, isLocalOnly } from '../transport/endpoint.js';
import { registerZapDomain, unregisterZapDomain } from '../transport/zap.js';

/** Which end of a log link a socket is. */
export type LogSocketRole = 'bind' | 'connect';

/**
 * ZeroMQ socket options that secure one log socket, spread into its constructor: none on a local
 * address, CURVE on any other TCP address. A binding socket's `zapDomain` must be admitted with
 * {@link admitLogClients} before it binds.
 */
export interface LogSocketSecurity {
  /** Bind side: this socket is the CURVE server. */
  curveServer?: boolean;
  /** Connect side: the server's public key, Z85. */
  curveServerKey?: string;
  /** Connect side: this socket's public key, Z85. */
  curvePublicKey?: string;
  /** This socket's secret key, Z85. */
  curveSecretKey?: string;
  /** Bind side: the ZAP domain whose admitted client keys {@link admitLogClients} registers. */
  zapDomain?: string;
}

/** Client keys a binding log socket admits, by its security (kept off the options zeromq.js sets). */
const admittedBy = new WeakMap<LogSocketSecurity, Buffer[]>();

/**
 * The security options of a log socket that binds or connects `address`, or an
 * {@link InvalidArgumentError} when the address would let strangers in.
 *
 * - A private ipc endpoint (the default, `privateEndpoint()`): no options; the kernel admits only
 *   this uid (and root) to the 0700 directory the socket is in.
 * - Loopback TCP, another ipc path, inproc: no options; the caller chose an address that every
 *   local user can reach (docs/LOGGING.md says so).
 * - Any other TCP address: CURVE with the keys of `key` (derived from an authkey as for RPC links,
 *   or a keyset given whole); `undefined` means the process default key, which the spawner hands
 *   its children, so a child logs to its parent's TCP LogServer with nothing more to say. An empty
 *   key is refused: records carry no signature, so such a link would take anyone's.
 */
export function logSocketSecurity(address: string, role: LogSocketRole, what = 'address', key?: LinkAuth): LogSocketSecurity {
  checkAddress(address, what);
  if (isLocalOnly(address)) return {};
  const resolved = resolveKey(key);
  if (resolved === undefined || (Buffer.isBuffer(resolved) && resolved.byteLength === 0)) {
    throw new InvalidArgumentError(
      `${what} ${JSON.stringify(address)} is reachable from other machines, so its log link needs a key, and an empty authkey was given` +
        ` (a log socket that ${role === 'bind' ? 'binds' : 'connects to'} such an address without CURVE would let strangers feed or read the log)`,
    );
  }
  const security = linkSecurity(address, resolved, role === 'bind' ? 'server' : 'client');
  if (security.mechanism !== 'curve') return {};
  const { keys } = security;
  if (role === 'connect') return { curveServerKey: keys.server.publicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey };
  const bind: LogSocketSecurity = { curveServer: true, curveSecretKey: keys.server.secretKey!, zapDomain: `zeroproc-log-${randomBytes(8).toString('hex')}` };
  admittedBy.set(bind, [keys.client.publicKey, ...(keys.admit ?? [])].map(z85Decode));
  return bind;
}

/** How long a closed log socket may take to be gone before its ZAP domain goes anyway, ms. */
const ZAP_RELEASE_FALLBACK_MS = 2_000;

/**
 * Starts admitting, through zeroproc's ZAP handler, the client keys of a binding socket's CURVE
 * security (nothing to do for other security): without it libzmq would admit every client that
 * knows the public key. Resolves to the function to call once the socket is closed.
 */
export async function admitLogClients(socket: Socket, security: LogSocketSecurity, name: string): Promise<() => void> {
  const domain = security.zapDomain;
  const admitted = admittedBy.get(security);
  if (domain === undefined || admitted === undefined) return () => undefined;
  // the socket's sessions hold pipes to the ZAP handler, and closing the handler while they end
  // aborts libzmq (as in transport/router-link.ts): the domain goes once the socket is gone
  const gone = new Promise<void>((resolve) => socket.events.on('end', () => resolve()));
  await registerZapDomain(domain, admitted, name);
  return () => {
    let fallback: NodeJS.Timeout | undefined;
    void Promise.race([gone, new Promise<void>((r) => (fallback = setTimeout(r, ZAP_RELEASE_FALLBACK_MS).unref()))]).then(() => {
      clearTimeout(fallback);
      unregisterZapDomain(domain);
    });
  };
}

/**
 * Whether something listens on the ipc socket `address` (`ipc://path`): `'listening'`, or the
 * error code of the attempt (`ENOENT`, `ECONNREFUSED` for a socket file nobody serves, `EACCES`
 * for another user's private directory). The connection is closed at once.
 */
export function ipcSocketState(address: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ path: address.slice('ipc://'.length) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('listening');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
