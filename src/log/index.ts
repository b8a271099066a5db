/**
 * Aggregated logging: records, the sender every process uses, the server the parent runs.
 */
export { setProcessName, getProcessName } from './context.js';
export { formatRecord, wantsColors, type FormatOptions } from './format.js';
export { LOG_FILE_NAME, type RotateOptions } from './file-writer.js';
export { makeRecordFilter, globToRegExp, parseSince, type RecordFilter, type RecordFilterOptions } from './filter.js';
export { getLogger, setLogLevel, flushLogs } from './logger.js';
export {
  LOG_LEVELS,
  STDERR_LEVEL,
  STDOUT_LEVEL,
  isLogLevel,
  levelPasses,
  validateRecord,
  type LogLevel,
  type LogRecord,
  type LogStream,
} from './record.js';
export {
  LogFollower,
  readLastRecords,
  type FollowHandlers,
  type FollowOptions,
  type LastRecords,
  type LogPosition,
  type ReadLastOptions,
} from './reader.js';
export { LogSender, type LogSenderOptions } from './sender.js';
export {
  DEFAULT_LOG_DIR,
  LOG_PUB_TOPIC,
  LogServer,
  startLogServer,
  type LogServerOptions,
  type LogServerStats,
} from './server.js';
