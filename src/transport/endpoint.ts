import { networkInterfaces } from 'node:os';
import { InvalidArgumentError } from '../errors.js';

const loopbackHosts = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

/** The host part of a `tcp://host:port` address, or undefined for other transports. */
function tcpHost(address: string): string | undefined {
  const m = /^tcp:\/\/(.+):([0-9]+|\*)$/.exec(address);
  return m ? m[1] : undefined;
}

/**
 * Checks that `address` is one zeroproc can bind or connect: `tcp://host:port` (port may be `*`
 * to bind any free port), `ipc://path` or `inproc://name`.
 */
export function checkAddress(address: string, what = 'address'): void {
  if (typeof address !== 'string') throw new InvalidArgumentError(`${what} must be a string, got ${typeof address}`);
  if (tcpHost(address) !== undefined) return;
  if (/^(ipc|inproc):\/\/.+/.test(address)) return;
  throw new InvalidArgumentError(`${what} ${JSON.stringify(address)} is not a ZeroMQ address: use tcp://host:port, ipc://path or inproc://name`);
}

/** Whether an address can only be reached from this machine (loopback TCP, ipc, inproc). */
export function isLocalOnly(address: string): boolean {
  const host = tcpHost(address);
  if (host === undefined) return /^(ipc|inproc):\/\//.test(address);
  return loopbackHosts.test(host);
}

/**
 * Environment variable naming the host (name or IP) that servers bound to a wildcard address
 * advertise, for machines whose first interface is not the one peers reach (`zeroproc host
 * --advertise` sets it, and the children it spawns inherit it).
 */
export const ADVERTISE_ENV = 'ZEROPROC_ADVERTISE';

/** Whether `host` can be advertised: a DNS name, an IPv4 address or a bracketed IPv6 address, not a wildcard. */
export function isAdvertisableHost(host: unknown): host is string {
  return typeof host === 'string'
    && /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/.test(host)
    && !/^(0\.0\.0\.0|\[::\])$/.test(host);
}

/**
 * The address to give others for a server bound at `bound`: a wildcard host (`0.0.0.0`, `*`,
 * `::`) is replaced by `host` when given, else by `$ZEROPROC_ADVERTISE`, else by this machine's
 * first external IPv4 address, which other hosts can reach; never by the wildcard itself.
 */
export function advertisedAddress(bound: string, host?: string): string {
  const m = /^tcp:\/\/(0\.0\.0\.0|\*|\[::\]):(\d+)$/.exec(bound);
  if (!m) return bound;
  const chosen = host ?? process.env[ADVERTISE_ENV];
  if (chosen) return `tcp://${chosen}:${m[2]}`;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return `tcp://${a.address}:${m[2]}`;
  }
  return `tcp://127.0.0.1:${m[2]}`;
}
