/**
 * Unguessable names: object ids, transfer tickets, server instance ids and owner tokens are 128
 * random bits, written as 22 base64url characters (the same text in msgpack and JSON bodies).
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
/** Ids drawn per call to the kernel's generator: one call per 256 ids rather than one per id. */
const POOL_IDS = 256;
const pool = Buffer.alloc(ID_BYTES * POOL_IDS);
let next = POOL_IDS;

/** A fresh 128-bit random id, 22 base64url characters. */
export function randomId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const start = next++ * ID_BYTES;
  return pool.toString('base64url', start, start + ID_BYTES);
}
