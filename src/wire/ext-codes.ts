/**
 * Extension type codes shared by the MessagePack and JSON codecs (docs/PROTOCOL.md lists them).
 * In MessagePack they are ext type numbers; in JSON they are the `$zp` field of `{"$zp": code, "v": payload}`.
 */
export const Ext = {
  /** a JSON object that itself had a `$zp` key (JSON only) */
  Escaped: 0,
  Undefined: 1,
  BigInt: 2,
  Date: 3,
  Map: 4,
  Set: 5,
  Error: 6,
  /** binary value carried in its own ZeroMQ frame: payload `[kind, byteLength]` */
  Attachment: 7,
  /** small binary value inline: payload `[kind, bytes]` */
  InlineBytes: 8,
  /** object reference (becomes a proxy, or the object itself at its owner) */
  Ref: 9,
  RegExp: 10,
  /** a number JSON cannot carry (NaN, Infinity, -Infinity; JSON only) */
  Number: 11,
  /** a user type registered with `registerType`: payload `[name, value]` */
  User: 32,
} as const;

/** One of the extension type codes. */
export type ExtCode = (typeof Ext)[keyof typeof Ext];
