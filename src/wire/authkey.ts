/** An authkey as given by a user: bytes, or a string taken as UTF-8. */
export type Authkey = string | Uint8Array;

/** The key bytes of an authkey, or undefined when there is none (empty means none). */
export function keyBytes(key: Authkey | undefined): Buffer | undefined {
  if (key === undefined) return undefined;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  return bytes.byteLength > 0 ? bytes : undefined;
}
