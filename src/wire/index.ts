/** The wire layer: codecs, extension types, frames and the authkey type. Nothing here knows of RPC. */
export { Ext, type ExtCode } from './ext-codes.js';
export type { Codec, CodecName } from './codec.js';
export { msgpackCodec } from './msgpack-codec.js';
export { jsonCodec } from './json-codec.js';
export { batchMessages, codecNamed, packFrames, unpackFrames, PROTOCOL_VERSION, type EncodedMessage, type ReceivedBatch } from './frames.js';
export { keyBytes, type Authkey } from './authkey.js';
export { registerType, unregisterType, type TypeDefinition, type ValueClass } from './user-types.js';
export { registerError, unregisterError, type ErrorClass, type RegisterErrorOptions } from './error-classes.js';
export type { RefWire, RefEncodeHooks, RefDecodeHooks } from './refs.js';
export { ATTACHMENT_THRESHOLD, findUndecodable, Undecodable, type DecodeState, type EncodeState } from './values.js';
