/**
 * `zeroproc ps`: every process of this user's running trees (or of the one at `--connect`), with
 * its gauges, restarts, actors and children, as a table or JSON, once or redrawn with `--watch`.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MAX_DELAY_MS } from '../delays.js';
import { findTrees } from '../process/status-endpoint.js';
import { PS_SCHEMA, STATUS_NAME, type ProcessStatus, type StatusService } from '../process/status.js';
import { RPCClient } from '../rpc/client.js';
import type { Remote } from '../rpc/types.js';
import { isAlive } from '../transport/private-dir.js';
import { optionValuesJoined, UsageError, type CliIo, type Command } from './command.js';
import { untilStopped } from './logs.js';
import { formatTable, psDocument, type PsDocument } from './ps-format.js';

const HELP = `Usage: zeroproc ps [options]

Shows every process of your running zeroproc trees: a script appears, with
its children and actors, once it has spawned a child or created an actor host.
Columns: NAME (children indented, actors as @id), PID, HOST, STATE
(running, restarting, stopping, exited), UPTIME, RESTARTS (so far, and how
many more the restart policy allows in a crash loop), RSS, CPU% (since the
previous reading), LAG (worst event-loop delay since the previous reading),
MAILBOX (messages waiting), ASKS (asks not yet answered), MSGS
(processed/received), ADDRESS. A '!' line gives a process's last error.

Options:
      --json            print one JSON document per reading (schema ${PS_SCHEMA},
                        see docs/CLUSTER.md)
  -w, --watch [MS]      read again every MS ms (default 2000) until Ctrl-C
  -c, --connect ADDR    only the tree at ADDR: a tree's status socket, or any
                        zeroproc server that publishes ${STATUS_NAME} (a child, a
                        \`zeroproc host\` daemon; key from ZEROPROC_AUTHKEY), or
                        zpname:NAME, a server registered in the name server
      --timeout MS      how long to wait for each tree (default 5000)
  -h, --help            show this help

Trees are found through the status sockets in $XDG_RUNTIME_DIR (or the temp
directory)/zeroproc-<uid>/; only your own processes can be seen.
`;

const OPTIONS = {
  json: { type: 'boolean' },
  watch: { type: 'string', short: 'w' },
  connect: { type: 'string', short: 'c' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEFAULT_WATCH_MS = 2_000;

/** `zeroproc ps`. */
export const psCommand: Command = {
  summary: 'show the processes, actors and gauges of running trees',
  run: runPs,
};

/**
 * `--watch` takes an optional value, which parseArgs cannot express: a bare `--watch` (or `-w`)
 * not followed by a number gets the default.
 */
function withWatchValue(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    out.push(arg);
    if ((arg === '--watch' || arg === '-w') && !/^\d+$/.test(args[i + 1] ?? '')) out.push(String(DEFAULT_WATCH_MS));
  }
  return out;
}

async function runPs(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: optionValuesJoined(withWatchValue(args), OPTIONS), options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const every = values.watch === undefined ? undefined : parseMs('--watch', values.watch);
  const reader = new TreeReader(values.connect, values.timeout === undefined ? 5_000 : parseMs('--timeout', values.timeout));
  const show = (doc: PsDocument): void => {
    if (values.json) {
      io.stdout.write(`${JSON.stringify(doc)}\n`);
      return;
    }
    let text = doc.trees.length > 0 ? formatTable(doc.trees) : 'no running zeroproc tree (a script shows here once it has spawned a child or created an actor host)\n';
    for (const u of doc.unreachable) text += `! ${u.address}: ${u.error}\n`;
    io.stdout.write(text);
  };
  try {
    if (every === undefined) {
      const doc = await reader.read();
      show(doc);
      return values.connect !== undefined && doc.trees.length === 0 ? 1 : 0;
    }
    const stopped = untilStopped(io);
    let stop = false;
    void stopped.then(() => (stop = true));
    const clear = io.stdout.isTTY && !values.json ? '\x1b[H\x1b[2J' : '';
    while (!stop) {
      const doc = await reader.read();
      if (stop) break;
      io.stdout.write(clear);
      show(doc);
      if (!clear && !values.json) io.stdout.write('\n');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, every)))]);
      clearTimeout(timer);
    }
    return 0;
  } finally {
    await reader.close();
  }
}

/** A `--watch` or `--timeout` value: 1 to 2^31 - 1 ms. */
export function parseMs(option: string, text: string): number {
  // a longer delay would make the timer fire at once
  if (!/^\d+$/.test(text) || Number(text) === 0 || Number(text) > MAX_DELAY_MS) {
    throw new UsageError(`${option} expects a number of milliseconds from 1 to ${MAX_DELAY_MS}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * `--connect zpname:NAME`: the address of the server registered as NAME on the name server (a
 * `zeroproc host` daemon, say), whose `zeroproc.status` is read. The naming layer loads only
 * here, so other commands do not pay for it.
 */
async function resolveAddress(address: string): Promise<string> {
  const { NAME_SCHEME, connectNameServer } = await import('../naming/index.js');
  if (!address.startsWith(NAME_SCHEME)) return address;
  const names = await connectNameServer();
  try {
    return (await names.lookupEntry(address.slice(NAME_SCHEME.length))).address;
  } finally {
    names.close();
  }
}

/** What `ZEROPROC_AUTHKEY` holds, for a `--connect` to a server that needs a key. */
function envAuthkey(): string | undefined {
  return process.env.ZEROPROC_AUTHKEY || undefined;
}

interface Connection {
  client: RPCClient;
  service: Remote<StatusService>;
}

/**
 * Reads the trees of `zeroproc ps` and talks to their status services, keeping one client per
 * tree across the readings of `--watch` (each reading's CPU% and lag cover the time since the
 * previous one, whoever asked).
 */
export class TreeReader {
  private readonly connections = new Map<string, Promise<Connection>>();
  /** The process of each tree of the last listing, by status socket. */
  private readonly listedPids = new Map<string, number>();
  private readonly sources = new WeakMap<ProcessStatus, string>();

  constructor(
    private readonly only: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  /** The status sockets to read: `--connect`'s, or every live tree's. */
  addresses(): string[] {
    if (this.only !== undefined) return [this.only];
    const trees = this.listTrees();
    this.listedPids.clear();
    for (const t of trees) this.listedPids.set(t.address, t.pid);
    return trees.map((t) => t.address);
  }

  /**
   * Reads every tree; a tree that cannot be read is listed as unreachable, unless it was found by
   * listing and its socket or its process is gone since: it ended between the listing and the
   * reading (not `--connect`'s, which the user named).
   */
  async read(): Promise<PsDocument> {
    const addresses = this.addresses();
    for (const [address, connection] of this.connections) {
      if (!addresses.includes(address)) {
        this.connections.delete(address);
        void connection.then((c) => c.client.close(), () => undefined);
      }
    }
    const results = await Promise.all(addresses.map(async (address) => {
      try {
        const tree = await (await this.service(address)).read();
        this.sources.set(tree, address);
        return { address, tree };
      } catch (err) {
        if (this.only === undefined && (await this.endedSinceListed(address))) return { address };
        return { address, error: errorText(err) };
      }
    }));
    return psDocument(
      results.flatMap((r) => (r.tree ? [r.tree] : [])),
      results.flatMap((r) => (r.error !== undefined ? [{ address: r.address, error: r.error }] : [])),
    );
  }

  /** The live trees of this user, as their run directories show them. */
  protected listTrees(): Array<{ pid: number; address: string }> {
    return findTrees();
  }

  private async endedSinceListed(address: string): Promise<boolean> {
    const pid = this.listedPids.get(address);
    return (pid !== undefined && !isAlive(pid)) || ((await socketProblem(address))?.gone ?? false);
  }

  /** The status socket a tree of the last reading was read from. */
  addressOf(tree: ProcessStatus): string {
    return this.sources.get(tree)!;
  }

  /** The status service of the tree at `address`. */
  async service(address: string): Promise<Remote<StatusService>> {
    let connection = this.connections.get(address);
    if (!connection) {
      connection = this.connect(address);
      this.connections.set(address, connection);
      // a failed connection is tried afresh at the next reading
      connection.catch(() => this.connections.delete(address));
    }
    return (await connection).service;
  }

  private async connect(given: string): Promise<Connection> {
    const address = await resolveAddress(given);
    // ZeroMQ would retry a socket that is not there until the timeout; a connection made only to
    // probe it would show in the tree's log as a peer that left without a goodbye
    const problem = await socketProblem(address);
    if (problem) throw new UsageError(`cannot reach ${address}: ${problem.why}`);
    const client = await RPCClient.connect(address, { timeout: this.timeoutMs, authkey: envAuthkey() }).catch((err: unknown) => {
      throw new UsageError(`cannot reach ${address}: ${errorText(err)}`);
    });
    try {
      return { client, service: await client.get<StatusService>(STATUS_NAME) };
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  /** Closes every client. */
  async close(): Promise<void> {
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(connections.map((c) => c.then((x) => x.client.close(), () => undefined)));
  }
}

/**
 * Why the socket file of ipc:// endpoint `address` cannot be connected to (`gone`: it is not
 * there); undefined when it is a socket, or `address` is not ipc://.
 */
async function socketProblem(address: string): Promise<{ gone: boolean; why: string } | undefined> {
  if (!address.startsWith('ipc://')) return undefined;
  return stat(address.slice('ipc://'.length)).then(
    (st) => (st.isSocket() ? undefined : { gone: false, why: 'not a socket' }),
    (err: NodeJS.ErrnoException) => ({
      gone: err.code === 'ENOENT',
      why: err.code === 'ENOENT' ? 'no such socket (has the tree ended?)' : err.code === 'EACCES' ? 'permission denied (a tree admits only the user that started it)' : err.message,
    }),
  );
}

/** An error's own message (a remote one without the origin a RemoteError adds), first line. */
export function errorText(err: unknown): string {
  const e = err as { remoteMessage?: unknown; message?: unknown };
  const text = typeof e?.remoteMessage === 'string' ? e.remoteMessage : typeof e?.message === 'string' ? e.message : String(err);
  return text.split('\n')[0]!;
}

/** Every process below the roots of `trees` (not the roots: nothing supervises them). */
export function supervisedIn(tree: ProcessStatus): ProcessStatus[] {
  const found: ProcessStatus[] = [];
  const walk = (p: ProcessStatus): void => {
    for (const c of p.children) {
      found.push(c);
      walk(c);
    }
  };
  walk(tree);
  return found;
}
