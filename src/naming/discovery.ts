/**
 * Where clients find the name server: `ZEROPROC_NAMESERVER` when set, else a fixed ipc socket in
 * this user's private directory (docs/CLUSTER.md, "Name server"). The default needs no key and
 * no port: the kernel admits only this user's processes to that directory, and any of them finds
 * it without configuration. A name server for several machines binds TCP and is named by the
 * environment variable.
 */
import { existsSync } from 'node:fs';
import { NotFoundError } from '../errors.js';
import { userEndpoint } from '../transport/private-dir.js';

/** The environment variable that names the name server's address. */
export const NAMESERVER_ENV = 'ZEROPROC_NAMESERVER';

/** The file the default name server binds in this user's private directory. */
const DEFAULT_SOCKET = 'nameserver.sock';

/** The address of this user's name server on this machine (`ipc://.../zeroproc-<uid>/nameserver.sock`). */
export function localNameServerAddress(): string {
  return userEndpoint(DEFAULT_SOCKET);
}

/** The name server's address: `ZEROPROC_NAMESERVER`, else {@link localNameServerAddress}. */
export function nameServerAddress(): string {
  return process.env[NAMESERVER_ENV] || localNameServerAddress();
}

/**
 * Fails fast (NotFoundError) when `address` is an ipc socket that does not exist: ZeroMQ would
 * otherwise retry in silence until the connect timeout.
 */
export function checkReachable(address: string): void {
  if (address.startsWith('ipc://') && !existsSync(address.slice('ipc://'.length))) {
    throw new NotFoundError(`no name server at ${address}: start one with \`zeroproc nameserver\` or startNameServer(), or set ${NAMESERVER_ENV} to its address`);
  }
}
