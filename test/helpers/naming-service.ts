/** Starts test/fixtures/naming/service.ts as a real process and talks to it line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connectNameServer, setDefaultAuthkey, startNameServer, type NameEntry, type NameServer, type NameServerClient } from 'zeroproc';

const fixture = fileURLToPath(new URL('../fixtures/naming/service.ts', import.meta.url));

export interface ServiceProcess {
  address: string;
  pid: number;
  entry: NameEntry | undefined;
  child: ChildProcess;
  /** Runs a command (`actor ID`, `stop ID`, `close`) and resolves with its answer. */
  command(line: string): Promise<unknown>;
  /** SIGKILLs the process and waits until it is gone. */
  kill(): Promise<void>;
}

export async function startService(env: { ZP_NS: string; ZP_KEY: string; ZP_NAME?: string; ZP_ADDRESS?: string }): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines: Interface = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)));
  const next = (): Promise<string> =>
    queue.length > 0
      ? Promise.resolve(queue.shift()!)
      : Promise.race([
          new Promise<string>((r) => waiting.push(r)),
          exited.then(([code, signal]) => {
            throw new Error(`service exited (${code ?? signal}) before it answered`);
          }),
        ]);
  const first = JSON.parse(await next()) as { address: string; pid: number; entry?: NameEntry };
  return {
    ...first,
    entry: first.entry,
    child,
    async command(line) {
      child.stdin!.write(`${line}\n`);
      const answer = JSON.parse(await next()) as { ok?: unknown; error?: string };
      if (answer.error) throw new Error(answer.error);
      return answer.ok;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** A loopback TCP port free right now (for a server that must come back at the same address). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface NameServerFixture {
  /** The key of the name server and of every registrant (also this process's default key). */
  readonly key: string;
  readonly ns: NameServer;
  /** This process's connection to it. */
  readonly client: NameServerClient;
  /** Starts a registrant process, killed after the test. */
  service(name?: string, address?: string): Promise<ServiceProcess>;
}

/**
 * A name server on loopback TCP with a fresh key before each test, and a connection to it; after
 * each test the registrants are killed and both are closed.
 */
export function nameServerPerTest(beforeEach: (fn: () => Promise<void>) => void, afterEach: (fn: () => Promise<void>) => void): NameServerFixture {
  const key = randomBytes(32).toString('hex');
  const services: ServiceProcess[] = [];
  let ns: NameServer | undefined;
  let client: NameServerClient | undefined;
  beforeEach(async () => {
    // references the name server hands out lead to the registrants' servers, keyed like it
    setDefaultAuthkey(key);
    ns = await startNameServer({ address: 'tcp://127.0.0.1:*', authkey: key });
    client = await connectNameServer(ns.address, { authkey: key });
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.kill();
    client?.close();
    await ns?.close();
    setDefaultAuthkey(undefined);
  });
  return {
    key,
    get ns() {
      return ns!;
    },
    get client() {
      return client!;
    },
    async service(name, address) {
      const s = await startService({ ZP_NS: ns!.address, ZP_KEY: key, ...(name ? { ZP_NAME: name } : {}), ...(address ? { ZP_ADDRESS: address } : {}) });
      services.push(s);
      return s;
    },
  };
}
