/**
 * zeroproc: spawn Node processes, use their objects through typed proxies over ZeroMQ, and read
 * every process's output in one log. This module is the whole public surface.
 * @packageDocumentation
 */
export * from './errors.js';
export { setDiagnosticSink, type DiagnosticLevel, type DiagnosticSink } from './diagnostics.js';
export { registerType, unregisterType, type TypeDefinition, type CodecName, type Authkey } from './wire/index.js';
export * from './rpc/index.js';
