/**
 * Who may reach a log socket. Records carry no signature and subscribers give no credential, so
 * the link itself must admit only the process tree: this file is the one place where a log
 * socket's security is chosen, for the LogServer's PULL and PUB sockets, a sender's PUSH and a
 * `zeroproc logs --connect` subscriber alike.
 */
import { createConnection } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { checkAddress, isLocalOnly } from '../transport/endpoint.js';

/** Which end of a log link a socket is. */
export type LogSocketRole = 'bind' | 'connect';

/**
 * ZeroMQ socket options that secure one log socket, spread into its constructor. Empty for every
 * address allowed today; CURVE options (`curveServer`, `curvePublicKey`, `curveSecretKey`,
 * `curveServerKey`, `zapDomain`) go here once log links take a key.
 */
export type LogSocketSecurity = Record<string, never>;

/**
 * The security options of a log socket that binds or connects `address`, or an
 * {@link InvalidArgumentError} when the address would let strangers in.
 *
 * - A private ipc endpoint (the default, `privateEndpoint()`): no options; the kernel admits only
 *   this uid (and root) to the 0700 directory the socket is in.
 * - Loopback TCP, another ipc path, inproc: no options; the caller chose an address that every
 *   local user can reach (docs/LOGGING.md says so).
 * - Any other TCP address: refused. Such a link needs a key, and log links take none until they
 *   get CURVE (src/transport/curve.ts); this is where it plugs in.
 */
export function logSocketSecurity(address: string, role: LogSocketRole, what = 'address'): LogSocketSecurity {
  checkAddress(address, what);
  if (!isLocalOnly(address)) {
    throw new InvalidArgumentError(
      `${what} must be a loopback or ipc endpoint while log links take no key, got ${JSON.stringify(address)}` +
        ` (a log socket that ${role === 'bind' ? 'binds' : 'connects to'} another address would let strangers feed or read the log)`,
    );
  }
  return {};
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
