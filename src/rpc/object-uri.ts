/**
 * Object URIs: one string that names an object a server serves, `zp+tcp://host:port/name` or
 * `zp+ipc:///path/of/socket/name`, and `connect(uri)` that returns a proxy to it.
 *
 * The form: `zp+` and the server's ZeroMQ address, then `/` and the name. The name is the last
 * `/`-separated part, so an ipc path (which has slashes) needs no brackets; the name and each part
 * of an ipc path are percent-encoded (RFC 3986: everything outside the path characters
 * `A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = : @`, as UTF-8), so a name may hold `/`, `%`, `#`,
 * spaces or any character. The name is resolved by the server: a name published there, else the
 * id of an actor in that process's host, so a published object and an actor are named by the
 * same rule (`actor.url` is such a URI). The `zp+` prefix tells a URI from a bare ZeroMQ address;
 * `tcp://host:port/name` and `ipc://path/name` (actor URLs before object URIs existed) are read as
 * the same URIs.
 *
 * Other schemes (the name server's `zpname:`) live in higher layers: they plug in with
 * {@link setUriScheme}, so that this layer imports none of them.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkOptions, type OptionRules } from '../option-checks.js';
import { RPCClient, type ClientOptions } from './client.js';
import { clientOptionRules } from './options.js';
import type { Remote } from './types.js';

/** What an object URI names: the server's ZeroMQ address and the object's name there. */
export interface ObjectUri {
  /** The server's address, as `RPCClient.connect` takes it (`tcp://host:port`, `ipc://path`). */
  address: string;
  /** The name the server resolves: a published name, or an actor id. */
  name: string;
}

/** Options of {@link connect}: those of `RPCClient.connect`, except `closeWhenUnused` (always on). */
export type ConnectOptions = Omit<ClientOptions, 'closeWhenUnused'>;

const { closeWhenUnused: _ignored, ...rulesOfConnect } = clientOptionRules;
const connectOptionRules: OptionRules = rulesOfConnect;

const SCHEMES = ['zp+tcp://', 'zp+ipc://', 'tcp://', 'ipc://'] as const;
const EXPECTED = 'zp+tcp://host:port/name or zp+ipc://path/name';

// RFC 3986 pchar, without `%`: what may stay as it is in a part of the path
const escaped = /[^A-Za-z0-9\-._~!$&'()*+,;=:@]/gu;

function encodePart(part: string): string {
  return part.replace(escaped, (c) => encodeURIComponent(c));
}

function decodePart(part: string, what: string, uri: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidArgumentError(`object URI ${JSON.stringify(uri)}: the ${what} has a malformed percent-encoding (write % as %25)`);
  }
}

/**
 * Reads an object URI. Throws InvalidArgumentError naming what is wrong: not a string, another
 * scheme, no name, a tcp address without host or a real port (1 to 65535), an empty ipc path,
 * a stray `?` or `#`, a malformed percent-encoding.
 */
export function parseObjectUri(uri: string): ObjectUri {
  if (typeof uri !== 'string') throw new InvalidArgumentError(`object URI: expected a string (${EXPECTED}), got ${uri === null ? 'null' : typeof uri}`);
  const scheme = SCHEMES.find((s) => uri.startsWith(s));
  if (!scheme) throw new InvalidArgumentError(`object URI ${JSON.stringify(uri)}: expected ${EXPECTED}${schemes.size ? ` or ${[...schemes.keys()].join(', ')}` : ''}`);
  const rest = uri.slice(scheme.length);
  const stray = /[?#\s]/.exec(rest);
  if (stray) throw new InvalidArgumentError(`object URI ${JSON.stringify(uri)}: ${JSON.stringify(stray[0])} must be percent-encoded (${encodeURIComponent(stray[0])})`);
  const slash = rest.lastIndexOf('/');
  if (slash < 0 || slash === rest.length - 1) throw new InvalidArgumentError(`object URI ${JSON.stringify(uri)}: names no object (expected ${EXPECTED}, the name after the last "/")`);
  const name = decodePart(rest.slice(slash + 1), 'name', uri);
  const where = rest.slice(0, slash);
  if (scheme.endsWith('tcp://')) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^/[\]:@]+):(\d{1,5})$/.exec(where);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw new InvalidArgumentError(`object URI ${JSON.stringify(uri)}: expected host:port with a port from 1 to 65535 before the name, got ${JSON.stringify(where)}`);
    return { address: `tcp://${where}`, name };
  }
  if (where === '') throw new InvalidArgumentError(`object URI ${JSON.stringify(uri)}: the ipc path is empty`);
  const path = where.split('/').map((part) => decodePart(part, 'ipc path', uri)).join('/');
  return { address: `ipc://${path}`, name };
}

/**
 * The URI of the object called `name` on the server at `address` (`tcp://host:port` with a real
 * port, or `ipc://path`). `server.uri(name)` gives it for a server of this process.
 */
export function formatObjectUri(address: string, name: string): string {
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError(`formatObjectUri: \`name\` must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof address === 'string' && address.startsWith('ipc://') && address.length > 'ipc://'.length) {
    return `zp+ipc://${address.slice('ipc://'.length).split('/').map(encodePart).join('/')}/${encodePart(name)}`;
  }
  if (typeof address === 'string' && address.startsWith('tcp://')) {
    const uri = `zp+${address}/${encodePart(name)}`;
    // checked by reading it back: a wildcard port or host cannot be connected to
    parseObjectUri(uri);
    return uri;
  }
  throw new InvalidArgumentError(`formatObjectUri: \`address\` must be tcp://host:port or ipc://path, got ${JSON.stringify(address)}`);
}

/** How a scheme plugged in with {@link setUriScheme} connects. */
export type UriResolver = (uri: string, options: ConnectOptions) => Promise<unknown>;

const schemes = new Map<string, UriResolver>();

/**
 * @internal Lets {@link connect} accept URIs of another scheme (`'zpname:'`), resolved by a
 * higher layer that this one cannot import (src/naming/client.ts plugs in `zpname:`).
 */
export function setUriScheme(scheme: string, resolve: UriResolver): void {
  schemes.set(scheme, resolve);
}

/**
 * A proxy to the object `uri` names (see {@link parseObjectUri}): `zp+tcp://host:port/name`, a
 * published object or an actor of that process, reached with `options` (`authkey`, `timeout`...).
 * The connection is shared with other clients of that address, and closes once nothing obtained
 * through it is held. Fails with InvalidArgumentError for a bad URI or option, NotFoundError when
 * the server has no such name, TimeoutError or AuthError when the server does not answer or
 * refuses the key.
 */
export async function connect<T = unknown>(uri: string, options: ConnectOptions = {}): Promise<Remote<T>> {
  checkOptions('connect', options, connectOptionRules);
  for (const [scheme, resolve] of schemes) if (typeof uri === 'string' && uri.startsWith(scheme)) return (await resolve(uri, options)) as Remote<T>;
  const { address, name } = parseObjectUri(uri);
  return connectPublished<T>(address, name, options);
}

/**
 * @internal The object published as `name` at `address`, through a connection that closes once
 * nothing obtained through it is held (closed at once when the lookup fails).
 */
export async function connectPublished<T>(address: string, name: string, options: ConnectOptions): Promise<Remote<T>> {
  const client = await RPCClient.connect(address, { ...options, closeWhenUnused: true });
  try {
    return await client.get<T>(name);
  } catch (err) {
    client.close();
    throw err;
  }
}
