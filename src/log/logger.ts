/**
 * getLogger: a winston logger that works the same in every process and finds its way to the
 * aggregated log by itself.
 */
import winston from 'winston';
import { TransportBase } from './transport-base.js';
import { setDiagnosticSink } from '../diagnostics.js';
import { InvalidArgumentError } from '../errors.js';
import { LOG_ADDRESS_ENV, LOG_LEVEL_ENV, PROCESS_NAME_ENV } from '../process/output-sink.js';
import { makeStdioSynchronous } from '../process/child-stdio.js';
import { recordFromInfo } from './context.js';
import { formatRecord, wantsColors } from './format.js';
import { currentLocalSink } from './local.js';
import { isLogLevel, levelPasses, type LogLevel, type LogRecord } from './record.js';
import { LogSender } from './sender.js';

// A process the spawner started (it names it in the environment) has its stdout and stderr read
// through pipes by its parent: make them synchronous as soon as the log layer loads, so the
// lines it writes just before process.exit() or a crash are not left queued and lost.
if (process.env[PROCESS_NAME_ENV]) makeStdioSynchronous();

const loggers = new Map<string, winston.Logger>();
const senders = new Map<string, LogSender>();

/**
 * Sends one record where this process's records belong:
 * - to the log server running in this process, if there is one;
 * - else to the log server named by `ZEROPROC_LOG_ADDRESS` (a spawned child);
 * - else to the console (stderr for `warn` and `error`, stdout otherwise).
 * Looked up per record, so a logger made before the server started still finds it.
 */
function route(record: LogRecord): void {
  const local = currentLocalSink();
  if (local) {
    local(record);
    return;
  }
  const address = process.env[LOG_ADDRESS_ENV];
  if (address) {
    let sender = senders.get(address);
    if (!sender) {
      sender = new LogSender({ address });
      senders.set(address, sender);
    }
    sender.send(record);
    return;
  }
  const out = levelPasses(record.level, 'warn') ? process.stderr : process.stdout;
  out.write(`${formatRecord(record, { colors: wantsColors(out) })}\n`);
}

/** The transport every {@link getLogger} logger writes to; it only stamps and routes. */
class RoutingTransport extends TransportBase {
  constructor(private readonly loggerName: string) {
    super();
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    route(recordFromInfo(info, this.loggerName));
    next();
  }
}

/**
 * Returns the winston logger called `name` (the same object on every call with that name).
 *
 * In a child spawned while a log server runs, its records go to that server; in the process
 * running the server, straight to it; elsewhere to the console. `%s`-style interpolation works;
 * extra objects become the record's `meta`; a logged `Error` keeps its stack. Its level is
 * `ZEROPROC_LOG_LEVEL` or `info`, and can be changed on the logger (`logger.level = 'debug'`).
 */
export function getLogger(name = ''): winston.Logger {
  let logger = loggers.get(name);
  if (!logger) {
    const envLevel = process.env[LOG_LEVEL_ENV];
    logger = winston.createLogger({
      level: isLogLevel(envLevel) ? envLevel : 'info',
      levels: winston.config.npm.levels,
      format: winston.format.splat(),
      transports: [new RoutingTransport(name)],
      exitOnError: false,
    });
    loggers.set(name, logger);
  }
  return logger;
}

// What the library reports on its own (a failed 'off' call, a dropped bad message) goes to the
// aggregated log like any record, stack included, once the log layer is loaded.
setDiagnosticSink((level, message, error) => {
  const stack = error instanceof Error ? error.stack : error === undefined ? undefined : String(error);
  getLogger('zeroproc').log({ level, message, ...(stack ? { stack } : {}) });
});

/**
 * Sets the level of every logger made by {@link getLogger}, now and later; children spawned
 * afterwards inherit it through `ZEROPROC_LOG_LEVEL`.
 */
export function setLogLevel(level: LogLevel): void {
  if (!isLogLevel(level)) throw new InvalidArgumentError(`unknown log level ${JSON.stringify(level)}`);
  process.env[LOG_LEVEL_ENV] = level;
  for (const logger of loggers.values()) logger.level = level;
}

/**
 * Resolves once every record logged so far has been handed to ZeroMQ. Not needed before
 * `process.exit()`: at exit the senders hand over what is queued and wait (at most their
 * `linger`) until ZeroMQ's connection has taken it.
 */
export async function flushLogs(): Promise<void> {
  await Promise.all([...senders.values()].map((s) => s.flush()));
}
