/**
 * The clients this process shares: one per server address, codec and key, so every proxy to a
 * server and every reference received from it go through one connection.
 */
import { createHash } from 'node:crypto';
import type { LinkKey } from '../transport/curve.js';

/** What the pool needs of a client. */
export interface PooledClient {
  readonly address: string;
  /** A closed or failed client is never handed out again. */
  readonly closed: boolean;
}

/** Shared clients, by address, codec and key: a client with another key is another client. */
export class ClientPool<C extends PooledClient> {
  private readonly clients = new Map<string, C>();

  /** The live client for `address` with this codec and key. */
  get(address: string, codec: string, key: LinkKey | undefined): C | undefined {
    const client = this.clients.get(poolKey(address, codec, key));
    return client && !client.closed ? client : undefined;
  }

  /** Any live client of `address`, whatever its codec and key. */
  anyFor(address: string): C | undefined {
    for (const c of this.clients.values()) if (c.address === address && !c.closed) return c;
    return undefined;
  }

  /** Makes `client` the shared one for its address, codec and key. */
  add(codec: string, key: LinkKey | undefined, client: C): void {
    this.clients.set(poolKey(client.address, codec, key), client);
  }

  /** Takes `client` out of the pool (it closed). */
  remove(client: C): void {
    for (const [key, c] of this.clients) if (c === client) this.clients.delete(key);
  }
}

function poolKey(address: string, codec: string, key: LinkKey | undefined): string {
  const bytes = key === undefined ? '' : key instanceof Uint8Array ? key : JSON.stringify(key);
  return `${address}|${codec}|${bytes ? createHash('sha256').update(bytes).digest('hex') : ''}`;
}
