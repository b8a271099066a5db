/**
 * The `zeroproc` dispatcher: finds the subcommand in {@link commands} and runs it.
 */
import { EXIT_USAGE, type CliIo, type Command } from './command.js';
import { restartCommand, stopCommand } from './control.js';
import { logsCommand } from './logs.js';
import { hostCommand } from './host.js';
import { keygenCommand } from './keygen.js';
import { psCommand } from './ps.js';
import { nameserverCommand, namesCommand } from './nameserver.js';
import { ZeroprocError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The subcommands, by name. A new subcommand (host, nameserver, ps, ...) is one module exporting
 * a {@link Command} and one entry here; `zeroproc --help` lists them from this table.
 */
export const commands: Readonly<Record<string, Command>> = {
  logs: logsCommand,
  host: hostCommand,
  keygen: keygenCommand,
  ps: psCommand,
  stop: stopCommand,
  restart: restartCommand,
  nameserver: nameserverCommand,
  names: namesCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const list = Object.entries(commands)
    .map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`)
    .join('\n');
  return `Usage: zeroproc <command> [options]\n\nCommands:\n${list}\n\nRun 'zeroproc help <command>' or 'zeroproc <command> --help' for the options of a command;\n'zeroproc --version' prints the version.\n`;
}

/** The version in zeroproc's own package.json. */
function version(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs `zeroproc` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  // `zeroproc help logs` is `zeroproc logs --help`
  if (name === 'help' && rest.length > 0) [name, rest] = [rest[0], ['--help']];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr.write(`zeroproc: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    // UsageError is a ZeroprocError too
    if (err instanceof ZeroprocError || isParseArgsError(err)) {
      const hint = isParseArgsError(err) ? `\nRun 'zeroproc ${name} --help' for usage.` : '';
      io.stderr.write(`zeroproc ${name}: ${(err as Error).message}${hint}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`zeroproc ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
