/** Reaching a host daemon from another machine. */
import { InvalidArgumentError } from '../errors.js';
import { checkOptions, delayMs } from '../option-checks.js';
import { authkeyRule } from '../rpc/options.js';
import { connectPublished } from '../rpc/object-uri.js';
import type { LinkAuth } from '../rpc/local.js';
import type { Remote } from '../rpc/types.js';
import { DAEMON_NAME, type DaemonService } from './daemon.js';

/** Options of {@link connectDaemon}. */
export interface ConnectDaemonOptions {
  /** The cluster's authkey, or a client keyset (`loadCurveKeyset({ keyFile, serverKey })`). Default: the process default key. */
  authkey?: LinkAuth;
  /** How long connecting may take, ms. Default 10 000. */
  timeout?: number;
}

const connectRules = {
  authkey: authkeyRule,
  timeout: delayMs(1),
};

/**
 * The {@link DaemonService} of the `zeroproc host` at `address`: `spawnProcess(options)`,
 * `processes()`, `info()`. Its actors are reached with `connectHost(address, { authkey })`. The
 * connection closes once every reference obtained through it is released. A wrong key fails
 * with AuthError, nothing listening with DisconnectedError or TimeoutError.
 */
export async function connectDaemon(address: string, options: ConnectDaemonOptions = {}): Promise<Remote<DaemonService>> {
  if (typeof address !== 'string') throw new InvalidArgumentError(`connectDaemon: expected an address, got ${typeof address}`);
  checkOptions('connectDaemon', options, connectRules);
  return connectPublished<DaemonService>(address, DAEMON_NAME, options);
}
