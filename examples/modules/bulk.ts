/** A module the large-data example imports in its child. */
import { createHash } from 'node:crypto';

/** Sends the data straight back. */
export function echo(data: Buffer): Buffer {
  return data;
}

/** A digest of the bytes, so only a short string comes back. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A new array with every element multiplied by `k`. */
export function scale(values: Float64Array, k: number): Float64Array {
  return values.map((x) => x * k);
}
