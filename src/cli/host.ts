/**
 * `zeroproc host`: runs a host daemon (src/cluster/daemon.ts) until SIGTERM or SIGINT, then
 * stops its children, flushes the logs and exits 0. The key never comes from argv, where every
 * local user could read it in `ps`: a file, or `ZEROPROC_AUTHKEY`.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { HostDaemonOptions } from '../cluster/daemon.js';
import { loadCurveKeyset } from '../cluster/keys.js';
import { isLocalOnly } from '../transport/endpoint.js';
import { optionValuesJoined, UsageError, type CliIo, type Command } from './command.js';

/** Environment variable holding the cluster authkey when no `--authkey-file` is given. */
export const AUTHKEY_ENV = 'ZEROPROC_AUTHKEY';

const HELP = `Usage: zeroproc host [options]

Runs a host daemon: other machines spawn actors (connectHost) and child processes
(connectDaemon) here, loading only modules the allow-list admits. Stops on SIGTERM
or SIGINT: children are stopped, logs flushed, exit code 0. See docs/CLUSTER.md.

Options:
      --bind ADDR          address to serve (default tcp://127.0.0.1:1277);
                           tcp://0.0.0.0:1277 for other machines (needs a key)
      --advertise HOST     host name or IP that references carry (default: the
                           first external IPv4 address when bound to 0.0.0.0)
      --authkey-file FILE  the cluster authkey (the file's text, trimmed; mode 0600).
                           Default: $${AUTHKEY_ENV}. Never on the command line
      --key-file FILE      this host's CURVE keypair (zeroproc keygen) instead of an
                           authkey; needs --admit
      --admit KEY          a client public key (.pub file or Z85) admitted with
                           --key-file; repeatable
      --allow-import SPEC  a module, directory (ending with /) or scheme (node:)
                           requesters may load; repeatable. Default: nothing
      --config FILE        JSON with any of: bind, advertise, authkeyFile, keyFile,
                           admit, allowImport, name (flags win)
      --name NAME          the daemon's name (default host-<hostname>)
  -h, --help               show this help
`;

const OPTIONS = {
  bind: { type: 'string' },
  advertise: { type: 'string' },
  'authkey-file': { type: 'string' },
  'key-file': { type: 'string' },
  admit: { type: 'string', multiple: true },
  'allow-import': { type: 'string', multiple: true },
  config: { type: 'string' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The settings `--config` may hold. */
interface HostConfig {
  bind?: string;
  advertise?: string;
  authkeyFile?: string;
  keyFile?: string;
  admit?: string[];
  allowImport?: string[];
  name?: string;
}

const CONFIG_KEYS: Record<keyof HostConfig, 'string' | 'list'> = {
  bind: 'string', advertise: 'string', authkeyFile: 'string', keyFile: 'string', admit: 'list', allowImport: 'list', name: 'string',
};

async function readConfig(path: string): Promise<HostConfig> {
  let config: unknown;
  try {
    config = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new UsageError(`config ${path} must hold a JSON object`);
  for (const [key, value] of Object.entries(config)) {
    const kind = Object.hasOwn(CONFIG_KEYS, key) ? CONFIG_KEYS[key as keyof HostConfig] : undefined;
    if (!kind) throw new UsageError(`config ${path}: unknown setting ${JSON.stringify(key)} (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    const ok = kind === 'string' ? typeof value === 'string' : Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (!ok) throw new UsageError(`config ${path}: ${key} must be ${kind === 'string' ? 'a string' : 'a list of strings'}`);
  }
  return config as HostConfig;
}

/** Reads an authkey file: its text without surrounding whitespace; refused when others may read it. */
async function readAuthkeyFile(path: string): Promise<string> {
  const info = await stat(path).catch((err: Error) => {
    throw new UsageError(`cannot read authkey file ${path}: ${err.message}`);
  });
  if ((info.mode & 0o077) !== 0) throw new UsageError(`authkey file ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`);
  const key = (await readFile(path, 'utf8')).trim();
  if (key === '') throw new UsageError(`authkey file ${path} is empty`);
  return key;
}

async function runHost(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: optionValuesJoined(args, OPTIONS), options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const config = values.config === undefined ? {} : await readConfig(values.config);
  const address = values.bind ?? config.bind ?? 'tcp://127.0.0.1:1277';
  const keyFile = values['key-file'] ?? config.keyFile;
  const authkeyFile = values['authkey-file'] ?? config.authkeyFile;
  const admit = values.admit ?? config.admit;
  if (keyFile !== undefined && authkeyFile !== undefined) throw new UsageError('give --authkey-file or --key-file, not both');
  if (admit !== undefined && keyFile === undefined) throw new UsageError('--admit goes with --key-file');
  let authkey: HostDaemonOptions['authkey'];
  if (keyFile !== undefined) {
    if (!admit || admit.length === 0) throw new UsageError('--key-file needs the public key of at least one client (--admit)');
    authkey = await loadCurveKeyset({ keyFile, admit });
  } else if (authkeyFile !== undefined) {
    authkey = await readAuthkeyFile(authkeyFile);
  } else if (process.env[AUTHKEY_ENV]) {
    authkey = process.env[AUTHKEY_ENV];
  }
  if (authkey === undefined && !isLocalOnly(address)) {
    throw new UsageError(`refusing to serve ${address} without a key: anyone who can reach it could run code here (give --authkey-file, $${AUTHKEY_ENV} or --key-file)`);
  }
  // no key on a local address: the process default key, which nobody else holds
  const stopped = untilSignal();
  // loaded here, not with the CLI: the daemon pulls in most of the library, which every other
  // command (zeroproc logs) would pay for at start
  const { startHostDaemon } = await import('../cluster/daemon.js');
  const daemon = await startHostDaemon({
    address,
    ...(authkey !== undefined && { authkey }),
    ...((values.advertise ?? config.advertise) !== undefined && { advertise: values.advertise ?? config.advertise }),
    allowImport: values['allow-import'] ?? config.allowImport ?? [],
    ...((values.name ?? config.name) !== undefined && { name: values.name ?? config.name }),
  });
  io.stdout.write(`zeroproc host: ${daemon.server.name} serving at ${daemon.address} (pid ${process.pid})\n`);
  const signal = await stopped;
  io.stdout.write(`zeroproc host: ${signal}: stopping ${daemon.processes().length} process(es) and ${daemon.host.actors().length} actor(s)\n`);
  await daemon.close();
  io.stdout.write('zeroproc host: stopped\n');
  return 0;
}

/**
 * Resolves with the name of the first SIGTERM or SIGINT. The listeners stay for good: a second
 * signal must not kill the daemon in the middle of stopping its children.
 */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
}

/** `zeroproc host`. */
export const hostCommand: Command = {
  summary: 'run a host daemon: other machines spawn actors and processes here',
  run: runHost,
};
