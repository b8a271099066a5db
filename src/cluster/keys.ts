/**
 * CURVE key files for links between machines whose keys are not derived from a shared authkey
 * (`zeroproc keygen`): a machine keeps its secret key to itself and hands out its public key.
 *
 * Formats: `NAME.key` holds the keypair as JSON `{ "publicKey": Z85, "secretKey": Z85 }` (mode
 * 0600, refused when group or others may read it); `NAME.pub` holds the public key alone, Z85 on
 * one line. Wherever a public key is wanted, the Z85 text itself may stand for the file.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { curvePublicKey, z85Decode, z85Encode, type CurveKeypair, type CurveKeyset } from '../transport/curve.js';

/** A new random CURVE keypair (X25519), Z85. */
export function generateCurveKeypair(): CurveKeypair {
  const secret = randomBytes(32);
  return { publicKey: z85Encode(curvePublicKey(secret)), secretKey: z85Encode(secret) };
}

/** The files {@link writeKeypairFiles} wrote. */
export interface KeypairFiles {
  /** `<base>.key`: the keypair, 0600. */
  keyFile: string;
  /** `<base>.pub`: the public key. */
  publicFile: string;
  /** The public key, Z85. */
  publicKey: string;
}

/**
 * Writes a new keypair to `<base>.key` (0600) and `<base>.pub`; refuses to overwrite either
 * (a lost secret key cannot be made again).
 */
export async function writeKeypairFiles(base: string): Promise<KeypairFiles> {
  if (typeof base !== 'string' || base === '' || base.includes('\0')) throw new InvalidArgumentError(`keygen: the key name must be a path, got ${JSON.stringify(base)}`);
  const pair = generateCurveKeypair();
  const keyFile = `${base}.key`;
  const publicFile = `${base}.pub`;
  const create = async (path: string, text: string, mode: number) => {
    const file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode).catch((err: NodeJS.ErrnoException) => {
      throw new InvalidArgumentError(err.code === 'EEXIST' ? `keygen: ${path} exists; remove it or choose another name` : `keygen: cannot create ${path}: ${err.message}`, { cause: err });
    });
    try {
      await file.writeFile(text);
    } finally {
      await file.close();
    }
  };
  await create(keyFile, `${JSON.stringify(pair, null, 2)}\n`, 0o600);
  await create(publicFile, `${pair.publicKey}\n`, 0o644);
  return { keyFile, publicFile, publicKey: pair.publicKey };
}

function checkZ85(text: string, where: string): string {
  let ok = false;
  try {
    ok = z85Decode(text).byteLength === 32;
  } catch {
    // reported below
  }
  if (!ok) throw new InvalidArgumentError(`${where} is not a 40-character Z85 CURVE key`);
  return text;
}

/** Reads a keypair file written by `zeroproc keygen`; refuses one that group or others can read. */
export async function readKeypairFile(path: string): Promise<CurveKeypair> {
  const info = await stat(path).catch((err: Error) => {
    throw new InvalidArgumentError(`cannot read key file ${path}: ${err.message}`, { cause: err });
  });
  if ((info.mode & 0o077) !== 0) throw new InvalidArgumentError(`key file ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
  let pair: Partial<CurveKeypair>;
  try {
    pair = JSON.parse(await readFile(path, 'utf8')) as Partial<CurveKeypair>;
  } catch (err) {
    throw new InvalidArgumentError(`key file ${path} is not a zeroproc keypair (JSON with publicKey and secretKey): ${(err as Error).message}`, { cause: err });
  }
  const secretKey = checkZ85(String(pair.secretKey), `key file ${path}: secretKey`);
  const publicKey = z85Encode(curvePublicKey(z85Decode(secretKey)));
  if (pair.publicKey !== publicKey) throw new InvalidArgumentError(`key file ${path}: publicKey does not belong to secretKey`);
  return { publicKey, secretKey };
}

/**
 * A public key given as Z85 text, or as the path of a `.pub` file (or of a `.key` file, whose
 * public half is taken). Z85 has `/` and `.` among its characters: 40 characters of Z85 that name
 * no file are a key.
 */
export async function readPublicKey(pathOrKey: string): Promise<string> {
  const text = await readFile(pathOrKey, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' && pathOrKey.length === 40) return undefined;
    throw new InvalidArgumentError(`cannot read public key ${pathOrKey}: ${err.message}`, { cause: err });
  });
  if (text === undefined) return checkZ85(pathOrKey, 'public key (no such file either)');
  const trimmed = text.trim();
  // `{` is a Z85 character: a key can begin with it (one in 85 do), and a keypair file is never
  // 40 characters long
  if (trimmed.length === 40 || !trimmed.startsWith('{')) return checkZ85(trimmed, `public key file ${pathOrKey}`);
  return (await readKeypairFile(pathOrKey)).publicKey;
}

/**
 * The keyset of a server (a `zeroproc host`) from its keypair and the public keys of the clients
 * it admits (at least one).
 */
export function serverKeyset(own: CurveKeypair, clients: readonly string[]): CurveKeyset {
  if (clients.length === 0) throw new InvalidArgumentError('a server with its own CURVE keypair needs the public key of at least one client to admit');
  // a server never uses the client secret: the admitted client's public key is all it needs
  return { server: own, client: { publicKey: clients[0]!, secretKey: '' }, admit: clients.slice(1) };
}

/** The keyset of a client from its keypair and the public key of the server it connects to. */
export function clientKeyset(own: CurveKeypair, serverPublicKey: string): CurveKeyset {
  return { server: { publicKey: checkZ85(serverPublicKey, 'server public key') }, client: own };
}

/** Options of {@link loadCurveKeyset}. */
export interface KeyFileOptions {
  /** This side's keypair file (`zeroproc keygen NAME` wrote `NAME.key`). */
  keyFile: string;
  /** Client side: the server's public key (a `.pub` file or the Z85 text). */
  serverKey?: string;
  /** Server side: the public keys of the clients admitted (files or Z85 text). */
  admit?: readonly string[];
}

/**
 * A CURVE keyset from key files, for `authkey` options (`connectDaemon`, `startHostDaemon`,
 * `RPCServer.start`, `RPCClient.connect`): a client passes `{ keyFile, serverKey }`, a server
 * `{ keyFile, admit }`.
 */
export async function loadCurveKeyset(options: KeyFileOptions): Promise<CurveKeyset> {
  if (options === null || typeof options !== 'object' || typeof options.keyFile !== 'string') throw new InvalidArgumentError('loadCurveKeyset: option `keyFile` must be the path of a keypair file');
  if ((options.serverKey === undefined) === (options.admit === undefined)) throw new InvalidArgumentError('loadCurveKeyset: give `serverKey` (a client) or `admit` (a server), not both or neither');
  const own = await readKeypairFile(options.keyFile);
  if (options.serverKey !== undefined) return clientKeyset(own, await readPublicKey(options.serverKey));
  if (!Array.isArray(options.admit)) throw new InvalidArgumentError('loadCurveKeyset: option `admit` must be a list of public keys or .pub files');
  return serverKeyset(own, await Promise.all(options.admit.map(readPublicKey)));
}
