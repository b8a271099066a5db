/**
 * How an error message shows a value it refuses: short, printable, and telling a string from a
 * number (`"false"` against `false`), whatever the value is.
 */

/** A short description of `value` for a message of the form ``... must be X, got <value>``. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' ? 'a function' : typeof value === 'symbol' ? 'a symbol' : String(value);
  }
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return String(value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return 'an object';
}
