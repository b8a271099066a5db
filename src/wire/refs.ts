/**
 * The wire form of an object reference. The codec knows only this shape; what a reference
 * means (proxies, object tables, tickets) belongs to the RPC layer, which supplies the hooks.
 */
export interface RefWire {
  /** Id of the server instance that owns the object (random per server start). */
  server: string;
  /** Address where that server listens. */
  address: string;
  /** Object id in the owner's table (128 random bits, base64url). */
  obj: string;
  /** Transfer ticket to claim at the owner (128 random bits, base64url), or '' when the owner already counted the receiver. */
  ticket: string;
  /** Attribute path below the object (a forwarded `proxy.a.b`). */
  path: string[];
  /** Whether the object is callable. */
  callable: boolean;
  /** Constructor or function name, for display. */
  name: string;
  /**
   * Methods of the object that never answer (declared oneway by its server): a call to one is
   * sent without waiting. Optional 8th payload element, left out when empty.
   */
  oneway?: readonly string[];
  /** Set when the object is a stream source: the window its consumer may request (docs/PROTOCOL.md, "Streams"). Optional 9th payload element. */
  stream?: number;
}

/** Decides what goes by reference while encoding. */
export interface RefEncodeHooks {
  /**
   * Called for every function, array and non-plain or plain object about to be encoded.
   * `byValue` says whether the codec can carry it by value. Returns the reference to send
   * instead, or undefined to send the value itself.
   */
  toRef(value: object, byValue: boolean): RefWire | undefined;
}

/** Decides what a received reference becomes. */
export interface RefDecodeHooks {
  /** Turns a received reference into a local value (a proxy, or the object at its owner). */
  fromRef(ref: RefWire): unknown;
}

/** Packs a reference into the payload array documented in docs/PROTOCOL.md. */
export function refToPayload(ref: RefWire): unknown[] {
  const payload: unknown[] = [ref.server, ref.address, ref.obj, ref.ticket, ref.path, ref.callable, ref.name];
  // element 7 holds nil rather than being left out when only the stream window (element 8) follows
  if (ref.oneway?.length || ref.stream !== undefined) payload.push(ref.oneway?.length ? ref.oneway : null);
  if (ref.stream !== undefined) payload.push(ref.stream);
  return payload;
}

/** Validates and unpacks a reference payload; throws TypeError on malformed input. */
export function refFromPayload(p: unknown): RefWire {
  if (
    !Array.isArray(p) || p.length < 7 ||
    typeof p[0] !== 'string' || typeof p[1] !== 'string' || typeof p[2] !== 'string' ||
    typeof p[3] !== 'string' || !Array.isArray(p[4]) || !p[4].every((s) => typeof s === 'string') ||
    typeof p[5] !== 'boolean' || typeof p[6] !== 'string' ||
    (p[7] !== undefined && p[7] !== null && !(Array.isArray(p[7]) && p[7].every((s) => typeof s === 'string')))
  ) {
    throw new TypeError('malformed object reference');
  }
  const ref: RefWire = { server: p[0], address: p[1], obj: p[2], ticket: p[3], path: p[4], callable: p[5], name: p[6] };
  if (Array.isArray(p[7])) ref.oneway = p[7] as string[];
  if (p[8] !== undefined) {
    if (!(Number.isSafeInteger(p[8]) && (p[8] as number) >= 1)) throw new TypeError('malformed object reference: a stream window must be a whole number >= 1');
    ref.stream = p[8] as number;
  }
  return ref;
}
