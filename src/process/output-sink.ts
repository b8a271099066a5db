/**
 * The meeting point between the spawner, which reads children's stdout and stderr, and the log
 * server, which wants those lines as records. Neither imports the other: the log server
 * registers itself here when it starts, the spawner looks here for every line and every spawn.
 *
 * Imports nothing from `src/log` (the process layer sits below it).
 */

/** Environment variable through which a child learns the address of the parent's log server. */
export const LOG_ADDRESS_ENV = 'ZEROPROC_LOG_ADDRESS';

/** Environment variable through which a child learns the name its parent gave it. */
export const PROCESS_NAME_ENV = 'ZEROPROC_PROCESS_NAME';

/** Environment variable that sets the level of a process's loggers (default `info`). */
export const LOG_LEVEL_ENV = 'ZEROPROC_LOG_LEVEL';

/** One line a child wrote to its stdout or stderr. */
export interface ChildLine {
  /** Name of the child process. */
  process: string;
  /** Its pid. */
  pid: number;
  /** Which pipe the line came from. */
  stream: 'stdout' | 'stderr';
  /** The text without its terminator (see `LineSplitter`). */
  line: string;
  /** When the parent read it, in ms since the epoch (the child's own clock is not known). */
  time: number;
  /** True when the line was cut at the length limit and the next line continues it. */
  continued?: boolean;
}

/** Receives children's output lines; must not throw and must not block. */
export type OutputSink = (line: ChildLine) => void;

let outputSink: OutputSink | undefined;
let logAddress: string | undefined;

/** Installs (or, with `undefined`, removes) the function that receives children's output lines. */
export function setOutputSink(sink: OutputSink | undefined): void {
  outputSink = sink;
}

/** The function that receives children's output lines, if a log server registered one. */
export function getOutputSink(): OutputSink | undefined {
  return outputSink;
}

/**
 * Records (or, with `undefined`, forgets) the address children should send log records to; the
 * spawner puts it in each child's environment as {@link LOG_ADDRESS_ENV}.
 */
export function setLogAddress(address: string | undefined): void {
  logAddress = address;
}

/** The address children should send log records to, if a log server is running. */
export function getLogAddress(): string | undefined {
  return logAddress;
}
