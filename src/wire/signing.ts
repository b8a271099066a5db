import { createHmac, timingSafeEqual } from 'node:crypto';

/** Length of a signature frame: HMAC-SHA256. */
export const SIGNATURE_LENGTH = 32;

/** An authkey as given by a user: bytes, or a string taken as UTF-8. */
export type Authkey = string | Uint8Array;

/** The key bytes of an authkey, or undefined when there is none (empty means none). */
export function keyBytes(key: Authkey | undefined): Buffer | undefined {
  if (key === undefined) return undefined;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  return bytes.byteLength > 0 ? bytes : undefined;
}

/**
 * HMAC-SHA256 over `frames`, each preceded by its length as a 32-bit big-endian integer so that
 * moving bytes across a frame boundary changes the signature.
 */
export function sign(key: Buffer, frames: readonly Buffer[]): Buffer {
  const hmac = createHmac('sha256', key);
  const len = Buffer.alloc(4);
  for (const f of frames) {
    len.writeUInt32BE(f.byteLength, 0);
    hmac.update(len);
    hmac.update(f);
  }
  return hmac.digest();
}

/** Whether `signature` is the signature of `frames` under `key`, compared in constant time. */
export function verify(key: Buffer, frames: readonly Buffer[], signature: Buffer): boolean {
  if (signature.byteLength !== SIGNATURE_LENGTH) return false;
  return timingSafeEqual(sign(key, frames), signature);
}
