/**
 * Where the output of a daemon's children goes: each child spawned for a requester that named a
 * LogServer has its stdout/stderr lines sent there (its own log records go there directly, through
 * `ZEROPROC_LOG_ADDRESS`); the other children's lines are printed on the daemon's console, as the
 * spawner prints them when no LogServer runs. One sender per requester's LogServer address.
 */
import { hostname } from 'node:os';
import { LogSender } from '../log/sender.js';
import { childLineRecord } from '../log/server.js';
import { setOutputSink, type ChildLine } from '../process/output-sink.js';
import type { LinkAuth } from '../rpc/local.js';

/** Routes children's output lines by child name; installed as the process's output sink. */
export class OutputRouter {
  readonly #senders = new Map<string, { sender: LogSender; users: number }>();
  /** LogServer address of each child whose lines are forwarded, by child name. */
  readonly #routes = new Map<string, string>();
  readonly #key: LinkAuth | undefined;
  readonly #host = hostname();

  constructor(key: LinkAuth | undefined) {
    this.#key = key;
    setOutputSink((line) => this.#route(line));
  }

  /** Sends the lines of child `name` to the LogServer at `address` until {@link unroute}. */
  route(name: string, address: string): void {
    let entry = this.#senders.get(address);
    if (!entry) {
      entry = { sender: new LogSender({ address, authkey: this.#key }), users: 0 };
      this.#senders.set(address, entry);
    }
    entry.users++;
    this.#routes.set(name, address);
  }

  /** Stops forwarding child `name`'s lines; the sender goes once it has no child, after it has sent what it holds (waiting at most its linger). */
  async unroute(name: string): Promise<void> {
    const address = this.#routes.get(name);
    if (address === undefined) return;
    this.#routes.delete(name);
    const entry = this.#senders.get(address)!;
    if (--entry.users > 0) return;
    this.#senders.delete(address);
    await entry.sender.close();
  }

  /** Flushes and closes every sender and gives the output sink back. */
  async close(): Promise<void> {
    await Promise.all([...this.#routes.keys()].map((name) => this.unroute(name)));
    setOutputSink(undefined);
  }

  #route(line: ChildLine): void {
    const address = this.#routes.get(line.process);
    const entry = address === undefined ? undefined : this.#senders.get(address);
    if (!entry) {
      (line.stream === 'stdout' ? process.stdout : process.stderr).write(`[${line.process}:${line.pid}] ${line.line}\n`);
      return;
    }
    entry.sender.send(childLineRecord(line, this.#host));
  }
}
