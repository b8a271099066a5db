/**
 * What a name server stores and how it is checked: names, metadata, entries, filters. Shared by
 * the server (which checks everything a peer sends) and the client (which checks before sending,
 * so a mistake fails at the call site).
 */
import { describeValue } from '../describe-value.js';
import { InvalidArgumentError } from '../errors.js';

/** Longest name, characters. */
export const MAX_NAME_LENGTH = 200;
/** Most metadata keys per entry. */
export const MAX_METADATA_KEYS = 32;
/** Longest metadata key or value, characters. */
export const MAX_METADATA_TEXT = 256;

/**
 * Letters, digits and `_` first, then also `.`, `:` and `-`: dotted names like Pyro's
 * (`example.warehouse`) fit, and a name never holds `/`, so `zpname:` URIs need no escaping.
 */
const NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,${MAX_NAME_LENGTH - 1}}$`);

/** Metadata of an entry: short strings by short string keys, matched exactly by `list` filters. */
export type NameMetadata = Record<string, string>;

/** One registered name, as `list` and `lookupEntry` report it. */
export interface NameEntry {
  /** The registered name. */
  name: string;
  /** Address of the server that serves the registered object (what a client connects to). */
  address: string;
  /** Instance id of that server: a server restarted on the same address has another one. */
  server: string;
  /** Id of the object in that server's table. */
  object: string;
  /** Metadata given at registration. */
  metadata: NameMetadata;
  /** When it was registered, ms since the epoch (the name server's clock). */
  registeredAt: number;
  /**
   * Random id of this registration: a name registered again (after its registrant died, or
   * with `replace`) gets another one, so a client can tell that the name now means something else.
   */
  incarnation: string;
}

/** What `list` selects: every entry whose metadata holds each of these key/value pairs. */
export interface ListFilter {
  /** Pairs an entry's metadata must all hold. */
  metadata?: NameMetadata;
}

/** Throws InvalidArgumentError unless `name` is a valid name. */
export function checkName(fn: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(
      `${fn}: a name must be 1 to ${MAX_NAME_LENGTH} characters of letters, digits, "_", ".", ":" and "-", not starting with ".", ":" or "-", got ${describeValue(name)}`,
    );
  }
}

/** Throws InvalidArgumentError unless `prefix` could begin a name (the empty prefix matches all). */
export function checkPrefix(fn: string, prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length > MAX_NAME_LENGTH || !/^[A-Za-z0-9_.:-]*$/.test(prefix)) {
    throw new InvalidArgumentError(`${fn}: a prefix must be up to ${MAX_NAME_LENGTH} characters of letters, digits, "_", ".", ":" and "-", got ${describeValue(prefix)}`);
  }
}

/** Throws InvalidArgumentError unless `metadata` is a small record of short strings; returns a clean copy. */
export function checkMetadata(fn: string, metadata: unknown): NameMetadata {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidArgumentError(`${fn}: metadata must be an object of strings, got ${describeValue(metadata)}`);
  }
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_KEYS) throw new InvalidArgumentError(`${fn}: metadata must have at most ${MAX_METADATA_KEYS} keys, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_METADATA_TEXT || typeof value !== 'string' || value.length > MAX_METADATA_TEXT) {
      throw new InvalidArgumentError(`${fn}: metadata keys and values must be strings of 1 to ${MAX_METADATA_TEXT} characters (values may be empty), got ${JSON.stringify(key).slice(0, 40)}: ${describeValue(value)}`);
    }
  }
  // defines own properties: a key named __proto__ stays a key
  return Object.fromEntries(entries) as NameMetadata;
}

/** Throws InvalidArgumentError unless `filter` is a valid list filter. */
export function checkFilter(fn: string, filter: unknown): ListFilter {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw new InvalidArgumentError(`${fn}: the filter must be an object, got ${describeValue(filter)}`);
  for (const key of Object.keys(filter)) if (key !== 'metadata') throw new InvalidArgumentError(`${fn}: unknown filter \`${key}\` (known: metadata)`);
  const { metadata } = filter as ListFilter;
  return metadata === undefined ? {} : { metadata: checkMetadata(fn, metadata) };
}

/** Whether `entry` matches `prefix` and `filter`. */
export function matches(entry: NameEntry, prefix: string, filter: ListFilter): boolean {
  if (!entry.name.startsWith(prefix)) return false;
  for (const [key, value] of Object.entries(filter.metadata ?? {})) if (entry.metadata[key] !== value) return false;
  return true;
}

/** The scheme of name URIs: `zpname:shop`. */
export const NAME_SCHEME = 'zpname:';

/** The name in a `zpname:NAME` URI (InvalidArgumentError when it is not one). */
export function nameOfUri(fn: string, uri: unknown): string {
  if (typeof uri !== 'string' || !uri.startsWith(NAME_SCHEME)) throw new InvalidArgumentError(`${fn}: expected zpname:NAME, got ${describeValue(uri)}`);
  const name = uri.slice(NAME_SCHEME.length);
  checkName(fn, name);
  return name;
}
