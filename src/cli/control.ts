/**
 * `zeroproc stop NAME` and `zeroproc restart NAME`: a process of a running tree, stopped or
 * replaced by the process that spawned it (its supervisor), found by name or pid among the
 * trees `zeroproc ps` shows.
 */
import { parseArgs } from 'node:util';
import { CONTROL_TIMEOUT_MS, type ControlOutcome, type ProcessStatus } from '../process/status.js';
import { optionValuesJoined, UsageError, type CliIo, type Command } from './command.js';
import { withOptions } from '../rpc/proxy.js';
import { errorText, parseMs, supervisedIn, TreeReader } from './ps.js';

/** Exit code when the process is not found, not supervised, or the action failed. */
const EXIT_FAILED = 1;

function help(action: 'stop' | 'restart'): string {
  const what =
    action === 'stop'
      ? 'Stops a process for good, through the process that spawned it: its server\ncloses (then SIGTERM, then SIGKILL) and its restart policy does not bring it back.'
      : 'Replaces a process with a fresh one, through the process that spawned it: the\nold one stops gracefully, a new one starts (not counted against maxRestarts)\nand its onRestart hook runs.';
  return `Usage: zeroproc ${action} [options] NAME

${what}
NAME is a process name or pid as \`zeroproc ps\` shows it; the root of a tree
(a script) and actors are not supervised by a process of the tree and are refused.

Options:
  -c, --connect ADDR    look only in the tree at ADDR (see zeroproc ps --help)
      --timeout MS      how long to wait for the tree to answer (default 5000;
                        the ${action} itself takes as long as it takes)
  -h, --help            show this help
`;
}

const OPTIONS = {
  connect: { type: 'string', short: 'c' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function controlCommand(action: 'stop' | 'restart'): Command {
  return {
    summary: action === 'stop' ? 'stop a supervised process of a running tree' : 'restart a supervised process of a running tree',
    run: (args, io) => runControl(action, args, io),
  };
}

/** `zeroproc stop`. */
export const stopCommand: Command = controlCommand('stop');
/** `zeroproc restart`. */
export const restartCommand: Command = controlCommand('restart');

async function runControl(action: 'stop' | 'restart', args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: optionValuesJoined(args, OPTIONS), options: OPTIONS, strict: true, allowPositionals: true });
  if (values.help) {
    io.stdout.write(help(action));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expects one process name or pid, got ${positionals.length}`);
  const target = positionals[0]!;
  const timeout = values.timeout === undefined ? 5_000 : parseMs('--timeout', values.timeout);
  const reader = new TreeReader(values.connect, timeout);
  try {
    const { trees, unreachable } = await reader.read();
    const fail = (message: string): number => {
      io.stderr.write(`zeroproc ${action}: ${message}\n`);
      return EXIT_FAILED;
    };
    const named = (p: ProcessStatus): boolean => p.name === target || String(p.pid) === target;
    const holding = trees.filter((t) => named(t) || t.actors.some((a) => a.id === target) || supervisedIn(t).some(named));
    if (holding.length > 1) {
      throw new UsageError(`${JSON.stringify(target)} names processes in ${holding.length} trees (roots: ${holding.map((t) => `${t.name} pid ${t.pid}`).join(', ')}): give its pid, or pick the tree with --connect`);
    }
    const tree = holding[0];
    if (!tree) {
      const known = trees.flatMap((t) => supervisedIn(t).filter((p) => p.state !== 'exited').map((p) => `${p.name} (pid ${p.pid})`));
      const hole = unreachable.length > 0 ? `; ${unreachable.length} tree(s) could not be read` : '';
      return fail(`no process ${JSON.stringify(target)} in ${trees.length} running tree(s)${known.length ? `; supervised processes: ${known.join(', ')}` : ''}${hole}`);
    }
    let outcome: ControlOutcome | null;
    try {
      const service = await reader.service(reader.addressOf(tree));
      outcome = await withOptions(service, { timeout: CONTROL_TIMEOUT_MS }).control('', action, target);
    } catch (err) {
      return fail(errorText(err));
    }
    if (!outcome) return fail(`no process ${JSON.stringify(target)} in tree ${tree.name} (pid ${tree.pid}) any more`);
    io.stdout.write(
      outcome.action === 'stop'
        ? `stopped ${outcome.name} (pid ${outcome.pid})\n`
        : `restarted ${outcome.name} (pid ${outcome.pid} -> ${outcome.newPid})\n`,
    );
    return 0;
  } finally {
    await reader.close();
  }
}
