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

/** What {@link optionValuesJoined} needs of a command's `parseArgs` options. */
type OptionTypes = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * `args` with each value that follows a string option joined to it (`--admit -x` becomes
 * `--admit=-x`), for `parseArgs` in strict mode: it refuses a value that starts with `-` as
 * ambiguous, and one Z85 key in 85 (`zeroproc keygen`'s, a host's) starts with `-`. A string
 * option takes the next argument whatever it looks like, except `--` (which ends the options)
 * and one of the command's own options (`--connect --json` forgot the value: parseArgs says so).
 */
export function optionValuesJoined(args: readonly string[], options: OptionTypes): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const name = optionNamed(arg, options);
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '--' && optionNamed(next, options) === undefined) {
      out.push(`${arg.startsWith('--') ? arg : `--${name}`}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** The option `arg` names (`--name`, `--name=value` or `-n`), if `options` has it. */
function optionNamed(arg: string, options: OptionTypes): string | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=', 1)[0]!;
    return name in options ? name : undefined;
  }
  return arg.length === 2 && arg[0] === '-' ? Object.keys(options).find((k) => options[k]!.short === arg[1]) : undefined;
}
