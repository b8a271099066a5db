/**
 * CURVE keys for zeroproc links (docs/PROTOCOL.md, "Link security"): a server keypair and a
 * client keypair derived from an authkey, or given explicitly, in the Z85 text libzmq takes; and
 * the one rule that decides which mechanism a link uses.
 */
import { createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto';
import { AuthError, InvalidArgumentError } from '../errors.js';
import { isLocalOnly } from './endpoint.js';
import { isPrivateIpc } from './private-dir.js';

/** A CURVE keypair as Z85 text (40 characters each: 32 bytes). */
export interface CurveKeypair {
  /** Public key, Z85. */
  publicKey: string;
  /** Secret key, Z85. */
  secretKey: string;
}

/**
 * The keys of a CURVE link. Derived from an authkey ({@link deriveCurveKeys}), or given whole so
 * that a server's secret need not be shared with its clients: a client needs `server.publicKey`
 * and its own `client` pair; a server needs `server.secretKey` and the client public keys it
 * admits (`client.publicKey`, plus any in `admit`).
 */
export interface CurveKeyset {
  /** The server's keys: its public key (all), its secret key (the server only). */
  server: { /** Z85. */ publicKey: string; /** Z85; only a server needs it. */ secretKey?: string };
  /** The client's keypair. */
  client: CurveKeypair;
  /** More client public keys (Z85) a server admits. */
  admit?: readonly string[];
}

const Z85_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_VALUES = new Map([...Z85_CHARS].map((c, i) => [c, i]));

/** Z85 text of `bytes` (ZeroMQ RFC 32); the length must be a multiple of 4. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.byteLength % 4 !== 0) throw new InvalidArgumentError(`Z85 encodes a multiple of 4 bytes, got ${bytes.byteLength}`);
  let out = '';
  for (let i = 0; i < bytes.byteLength; i += 4) {
    let value = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85_CHARS[value % 85]! + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

/** The bytes of Z85 text (ZeroMQ RFC 32); InvalidArgumentError for anything that is not Z85. */
export function z85Decode(text: string): Buffer {
  if (typeof text !== 'string' || text.length % 5 !== 0) throw new InvalidArgumentError(`Z85 text must be a string of a multiple of 5 characters, got ${typeof text === 'string' ? text.length : typeof text}`);
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const digit = Z85_VALUES.get(text[i + j]!);
      if (digit === undefined) throw new InvalidArgumentError(`${JSON.stringify(text[i + j])} is not a Z85 character`);
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new InvalidArgumentError(`Z85 group ${JSON.stringify(text.slice(i, i + 5))} is out of range`);
    out.writeUInt32BE(value, (i / 5) * 4);
  }
  return out;
}

// PKCS#8 wrapping of a raw X25519 private key (RFC 8410): SEQUENCE { version 0, AlgorithmIdentifier
// { 1.3.101.110 }, OCTET STRING { OCTET STRING (32 bytes) } }
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The X25519 public key of a 32-byte secret key (the key libzmq's CURVE uses). */
export function curvePublicKey(secret: Uint8Array): Buffer {
  if (secret.byteLength !== 32) throw new InvalidArgumentError(`a CURVE secret key is 32 bytes, got ${secret.byteLength}`);
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

/** A keypair from a 32-byte secret key. */
function keypairOf(secret: Uint8Array): CurveKeypair {
  return { publicKey: z85Encode(curvePublicKey(secret)), secretKey: z85Encode(secret) };
}

/** HKDF-SHA256 parameters of the derivation; a client in another language needs exactly these. */
export const CURVE_DERIVATION = {
  salt: 'zeroproc curve v2',
  serverInfo: 'zeroproc server key',
  clientInfo: 'zeroproc client key',
} as const;

/**
 * The keys every holder of `authkey` derives alike: each secret is HKDF-SHA256(ikm = the key's
 * bytes, salt, info) of 32 bytes, with the labels of {@link CURVE_DERIVATION}; the public keys
 * follow by X25519. The server and client pairs differ, so a client never holds a server secret
 * it did not derive from the key itself.
 */
export function deriveCurveKeys(authkey: Uint8Array): CurveKeyset {
  const derive = (info: string) => new Uint8Array(hkdfSync('sha256', authkey, CURVE_DERIVATION.salt, info, 32));
  return { server: keypairOf(derive(CURVE_DERIVATION.serverInfo)), client: keypairOf(derive(CURVE_DERIVATION.clientInfo)) };
}

function checkZ85Key(text: unknown, what: string): void {
  let ok = false;
  try {
    ok = typeof text === 'string' && z85Decode(text).byteLength === 32;
  } catch {
    // reported below, with the option's name
  }
  if (!ok) throw new InvalidArgumentError(`option \`${what}\` must be a 40-character Z85 CURVE key, got ${typeof text === 'string' ? JSON.stringify(text.slice(0, 8) + (text.length > 8 ? '...' : '')) : typeof text}`);
}

/** Checks an explicit keyset's shape (before any socket exists); `role` says which secret is needed. */
export function checkCurveKeyset(keys: CurveKeyset, role: 'server' | 'client'): void {
  if (keys === null || typeof keys !== 'object') throw new InvalidArgumentError(`option \`authkey\` must be a string, bytes or a CURVE keyset, got ${keys === null ? 'null' : typeof keys}`);
  checkZ85Key(keys.server?.publicKey, 'authkey.server.publicKey');
  checkZ85Key(keys.client?.publicKey, 'authkey.client.publicKey');
  if (role === 'server') checkZ85Key(keys.server.secretKey, 'authkey.server.secretKey');
  else checkZ85Key(keys.client.secretKey, 'authkey.client.secretKey');
  if (keys.admit !== undefined) {
    if (!Array.isArray(keys.admit)) throw new InvalidArgumentError(`option \`authkey.admit\` must be a list of Z85 keys, got ${typeof keys.admit}`);
    keys.admit.forEach((k, i) => checkZ85Key(k, `authkey.admit[${i}]`));
  }
}

/** What secures a link: a key, or a keyset given whole. */
export type LinkKey = Buffer | CurveKeyset;

/** How a link is secured (docs/PROTOCOL.md, "Link security"). */
export type LinkSecurity =
  /** A private ipc endpoint (or inproc): the kernel admits only this uid; ZMTP NULL. */
  | { mechanism: 'private' }
  /** CURVE with these keys. */
  | { mechanism: 'curve'; keys: CurveKeyset }
  /** No key, on an address only this machine can reach: ZMTP NULL, open to local processes. */
  | { mechanism: 'open' };

const derived = new Map<string, CurveKeyset>();

function keysetOf(key: LinkKey): CurveKeyset {
  if (!Buffer.isBuffer(key)) return key;
  // derivation costs two X25519 operations: clients to one server share it
  const id = key.toString('base64');
  let keys = derived.get(id);
  if (!keys) {
    keys = deriveCurveKeys(key);
    if (derived.size > 64) derived.clear();
    derived.set(id, keys);
  }
  return keys;
}

/**
 * THE rule both ends apply, from the address alone: a private ipc endpoint (or inproc) carries
 * ZMTP NULL (the kernel authenticates); any other address with a key uses CURVE; without a key
 * only an address this machine alone can reach is allowed, and it is open to every local process.
 * A server and its clients agree because they judge the same address the same way.
 */
export function linkSecurity(address: string, key: LinkKey | undefined, role: 'server' | 'client'): LinkSecurity {
  if (address.startsWith('inproc://') || isPrivateIpc(address)) return { mechanism: 'private' };
  if (key !== undefined) {
    if (!Buffer.isBuffer(key)) checkCurveKeyset(key, role);
    return { mechanism: 'curve', keys: keysetOf(key) };
  }
  if (isLocalOnly(address)) return { mechanism: 'open' };
  throw new AuthError(role === 'server'
    ? `refusing to bind ${address} without an authkey: anyone who can reach it could run code in this process. Pass { authkey } (or bind 127.0.0.1 / ipc://)`
    : `refusing to connect to ${address} without an authkey: a link off this machine must be authenticated and encrypted (CURVE). Pass { authkey }`);
}
