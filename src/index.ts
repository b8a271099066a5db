/**
 * zeroproc: spawn Node processes, use their objects through typed proxies over ZeroMQ, and read
 * every process's output in one log. This module is the whole public surface.
 * @packageDocumentation
 */
import { trackCalls } from './rpc/call-context.js';

export * from './errors.js';
export { setDiagnosticSink, type DiagnosticLevel, type DiagnosticSink } from './diagnostics.js';
export { registerType, unregisterType, type TypeDefinition, type ValueClass, type CodecName, type Authkey } from './wire/index.js';
export { registerError, unregisterError, type ErrorClass, type RegisterErrorOptions } from './wire/index.js';
export { CURVE_DERIVATION, deriveCurveKeys, type CurveKeyset, type CurveKeypair } from './transport/curve.js';
export type { LinkOptions } from './transport/socket-options.js';
export type { RouterLinkOptions } from './transport/router-link.js';
export type { ChildLine, OutputSink } from './process/output-sink.js';
export * from './rpc/index.js';
export { ProcessSpawner, spawn } from './process/spawner.js';
export {
  ProcessHandle,
  type ProcessExitEvent,
  type ProcessRestartEvent,
  type ProcessGiveupEvent,
  type ProcessHandleEvents,
  type ProcessState,
  type StopOptions,
} from './process/handle.js';
export type { SpawnOptions } from './process/options.js';
export type { RestartOptions, RestartPolicyName, BackoffOptions } from './process/restart-policy.js';
export { Supervisor, type SupervisorOptions } from './process/supervisor.js';
export { StatusService, STATUS_NAME, PS_SCHEMA, type ProcessStatus, type PsState, type SelfFacts, type ControlOutcome } from './process/status.js';
export { setTreeName, findTrees, type FoundTree } from './process/status-endpoint.js';
export type { ActorStatus } from './status-sections.js';
export {
  getLogger,
  setLogLevel,
  flushLogs,
  setProcessName,
  getProcessName,
  startLogServer,
  LogServer,
  LogSender,
  readLastRecords,
  type LastRecords,
  type LogPosition,
  type ReadLastOptions,
  DEFAULT_LOG_DIR,
  type LogServerOptions,
  type LogServerStats,
  type LogSenderOptions,
  type LogRecord,
  type LogLevel,
  type LogStream,
  type RotateOptions,
} from './log/index.js';
export * from './actor/index.js';
export * from './cluster/index.js';
export * from './naming/index.js';

// a spawned child runs calls without a context (AsyncLocalStorage's cost) until it could read one
trackCalls();
