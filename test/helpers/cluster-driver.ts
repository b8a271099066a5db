/**
 * Runs test/fixtures/cluster/driver.mjs (a scripted requester) and `zeroproc host` daemons as
 * real subprocesses, inside network namespaces or on this machine.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';

export const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
export const DRIVER = fileURLToPath(new URL('../fixtures/cluster/driver.mjs', import.meta.url));
/** The directory daemons let requesters load from (actors, modules for children). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/cluster/', import.meta.url));
export const ACTORS = `${FIXTURES}actors.mjs`;
/** Jest's NODE_OPTIONS (vm modules) must not reach the subprocesses. */
export const SUBPROCESS_ENV = { NODE_OPTIONS: '' };

/** What the driver answers to one command. */
export interface DriverReply {
  ok: boolean;
  value?: any;
  error?: { name: string; code: string; message: string };
  /** How long the command took in the driver, ms. */
  ms: number;
  /** For `finish`: how long the call begun by `start` took, ms. */
  elapsed?: number;
}

/** Sends commands to a running driver subprocess, one at a time, and reads its answers. */
export class Driver {
  readonly #replies = new Map<number, (reply: DriverReply) => void>();
  #next = 0;

  constructor(readonly child: ResultPromise) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as DriverReply & { id: number };
      this.#replies.get(reply.id)?.(reply);
      this.#replies.delete(reply.id);
    });
  }

  /** Runs `op(...args)` in the driver. */
  send(op: string, ...args: unknown[]): Promise<DriverReply> {
    const id = this.#next++;
    const reply = new Promise<DriverReply>((resolve) => this.#replies.set(id, resolve));
    this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    return reply;
  }

  /** Runs `op(...args)` and returns its value, or throws with the driver's error. */
  async value(op: string, ...args: unknown[]): Promise<any> {
    const reply = await this.send(op, ...args);
    if (!reply.ok) throw new Error(`driver ${op} failed: ${reply.error!.name} ${reply.error!.code}: ${reply.error!.message}`);
    return reply.value;
  }
}

/** Resolves with the first line of `child`'s stdout that matches `pattern` (its match), or rejects when the child ends first. */
export function lineMatching(child: ResultPromise, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onLine = (line: string) => {
      const m = pattern.exec(line);
      if (!m) return;
      lines.off('line', onLine);
      resolve(m);
    };
    lines.on('line', onLine);
    child.then(
      (r) => reject(new Error(`exited (${r.exitCode}) before printing ${pattern}: ${r.stderr}`)),
      (e: Error) => reject(new Error(`ended before printing ${pattern}: ${e.message}`)),
    );
  });
}
