/**
 * `zeroproc nameserver`: runs a name server until SIGTERM/SIGINT; `zeroproc names`: prints the
 * entries of a running one. The key comes from `--authkey-file` or `ZEROPROC_AUTHKEY`, never
 * from argv, where any local user could read it in the process list.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { NameEntry } from '../naming/names.js';
import { optionValuesJoined, UsageError, type CliIo, type Command } from './command.js';
import { untilStopped } from './logs.js';

// the naming layer loads the whole RPC stack: imported when a command runs, so that every other
// `zeroproc` command (and --help) starts without it
const NAMESERVER_ENV = 'ZEROPROC_NAMESERVER';

/** The environment variable a key may come from (the CLI never takes one in argv). */
const AUTHKEY_ENV = 'ZEROPROC_AUTHKEY';

const KEY_HELP = `      --authkey-file F  read the key from file F (its text, trailing newline removed);
                        else ${AUTHKEY_ENV} is used. A key is never taken from the
                        command line`;

const SERVE_HELP = `Usage: zeroproc nameserver [options]

Runs a name server until SIGTERM or SIGINT, printing its address on the first line
of stdout. Processes register objects under names (register(name, obj)) and find
them (lookup(name), lookupUrl('zpname:NAME')); a name goes when the process that
registered it dies or closes its connection.

Options:
  -b, --bind ADDR       where to listen (default: $${NAMESERVER_ENV}, else this user's
                        private socket ${'<runtime dir>/zeroproc-<uid>/nameserver.sock'},
                        which every process of this user finds without configuration).
                        A tcp:// address needs a key
${KEY_HELP}
      --liveness MS     a registrant that does not answer probes for MS ms loses its
                        names (default 1500; a dead process loses them at once)
  -h, --help            show this help
`;

const LIST_HELP = `Usage: zeroproc names [PREFIX] [options]

Prints the names registered on a name server (those starting with PREFIX), one per
line: name, address, registration time and metadata.

Options:
  -c, --connect ADDR    the name server (default: $${NAMESERVER_ENV}, else this user's
                        local one)
${KEY_HELP}
  -m, --meta KEY=VALUE  only entries whose metadata has KEY=VALUE; repeatable
      --json            print the entries as JSON lines
  -h, --help            show this help
`;

function readKey(file: string | undefined): string | undefined {
  if (file === undefined) return process.env[AUTHKEY_ENV] || undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`cannot read the key file ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  if (text === '') throw new UsageError(`the key file ${JSON.stringify(file)} is empty`);
  return text;
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const options = { bind: { type: 'string', short: 'b' }, 'authkey-file': { type: 'string' }, liveness: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  const { values } = parseArgs({ args: optionValuesJoined(args, options), strict: true, options });
  if (values.help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  const [{ nameServerAddress }, { startNameServer }, { setDefaultAuthkey }] = await Promise.all([
    import('../naming/discovery.js'), import('../naming/server.js'), import('../rpc/local.js'),
  ]);
  const address = values.bind ?? nameServerAddress();
  const key = readKey(values['authkey-file']);
  if (address.startsWith('tcp://') && key === undefined) {
    throw new UsageError(`a name server on ${address} needs a key: give --authkey-file or set ${AUTHKEY_ENV} (on one machine, the default private socket needs none)`);
  }
  const liveness = values.liveness === undefined ? undefined : Number(values.liveness);
  // references to registrants' objects are followed with the same key
  if (key !== undefined) setDefaultAuthkey(key);
  const stopped = untilStopped(io);
  const ns = await startNameServer({ address, authkey: key, livenessTimeout: liveness });
  io.stdout.write(`${ns.address}\n`);
  await Promise.race([stopped, ns.closed]);
  await ns.close();
  return 0;
}

function formatEntry(e: NameEntry): string {
  const meta = Object.entries(e.metadata).map(([k, v]) => `${k}=${v}`).join(',');
  return `${e.name}  ${e.address}  ${new Date(e.registeredAt).toISOString()}${meta ? `  ${meta}` : ''}`;
}

async function listNames(args: string[], io: CliIo): Promise<number> {
  const options = {
    connect: { type: 'string', short: 'c' }, 'authkey-file': { type: 'string' }, meta: { type: 'string', short: 'm', multiple: true },
    json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parseArgs({ args: optionValuesJoined(args, options), strict: true, allowPositionals: true, options });
  if (values.help) {
    io.stdout.write(LIST_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one PREFIX, got ${positionals.length}`);
  const prefix = positionals[0] ?? '';
  const { connectNameServer } = await import('../naming/client.js');
  const metadata: Record<string, string> = {};
  for (const pair of values.meta ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--meta takes KEY=VALUE, got ${JSON.stringify(pair)}`);
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const ns = await connectNameServer(values.connect, { authkey: readKey(values['authkey-file']), timeout: 5_000 });
  try {
    const entries = await ns.list(prefix, { metadata });
    io.stdout.write(entries.map((e) => `${values.json ? JSON.stringify(e) : formatEntry(e)}\n`).join(''));
  } finally {
    ns.close();
  }
  return 0;
}

/** `zeroproc nameserver`. */
export const nameserverCommand: Command = {
  summary: 'run a name server (objects registered and found by name)',
  run: serve,
};

/** `zeroproc names`. */
export const namesCommand: Command = {
  summary: 'list the names registered on a name server',
  run: listNames,
};
