/** The RPC layer: servers, clients, proxies, futures. */
export { RPCServer, type RPCServerOptions, type ServerControl } from './server.js';
export { CODE_RUNNING_BUILTINS, type ImportPolicy, type ImportRule } from './import-policy.js';
export { RPCClient, type ClientOptions } from './client.js';
export { Future } from './future.js';
export { isProxy, withOptions, getValue, setAttr, release, sameObject } from './proxy.js';
export { byRef, setDefaultAuthkey, getDefaultAuthkey, setLocalServer, getLocalServer, ensureLocalServer, type LinkAuth } from './local.js';
export { currentCall, type CallContext } from './call-context.js';
export { stream, DEFAULT_STREAM_WINDOW, type StreamOptions } from './stream-source.js';
export { RemoteStream } from './stream-consumer.js';
export { DEFAULT_IMPORT_TIMEOUT, DEFAULT_TIMEOUT, type CallMode, type CallOptions, type ImportOptions } from './options.js';
export type { ReturnTypeOption, PeerInfo } from './messages.js';
export type { Remote, RemoteProperty, RemoteResult, RemoteTarget, RemoteMode, AnyRemote, Returned, ValueTypes, OnewayOf, OnewayMethod } from './types.js';
export type { PublishOptions, DeclaringClass } from './exposure.js';
export { connect, formatObjectUri, parseObjectUri, type ConnectOptions, type ObjectUri } from './object-uri.js';
export { batch, type Batch, type BatchOptions, type BatchRecorder, type BatchResult } from './batch.js';
