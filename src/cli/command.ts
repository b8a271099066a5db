/**
 * What a `zeroproc` subcommand looks like to the dispatcher in `main.ts`.
 */
import { InvalidArgumentError } from '../errors.js';

/** The streams a command writes to (the process's own, or a test's). */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** One subcommand of `zeroproc`. */
export interface Command {
  /** One line for `zeroproc --help`. */
  summary: string;
  /**
   * Runs the command with the arguments after its name; resolves to the exit code. Bad usage
   * throws {@link UsageError} (exit code 2).
   */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit code for bad usage, a missing log directory, an unreachable address. */
export const EXIT_USAGE = 2;

/**
 * A problem the user can fix by running the command differently; printed as one line, without
 * a stack, and the process exits with {@link EXIT_USAGE}. An invalid argument, so its `code` is
 * `ERR_INVALID_ARGUMENT`, like the errors of the library functions the commands call.
 */
export class UsageError extends InvalidArgumentError {}
