/**
 * Starts `zeroproc host` daemons on this machine's loopback for the cluster examples: each stands
 * for another machine (where it would run as `zeroproc host --bind tcp://0.0.0.0:1277` under
 * systemd, docs/CLUSTER.md). Their output is shown prefixed with their name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Running daemons; `await using` stops them (SIGTERM: their children and actors stop too). */
export interface Hosts extends AsyncDisposable {
  /** Their addresses, in the order of the names. */
  addresses: string[];
}

const cli = fileURLToPath(new URL('./cli/main.js', import.meta.resolve('zeroproc')));

async function startHost(name: string, authkey: string, allow: string[]): Promise<{ child: ChildProcess; address: string }> {
  const args = [cli, 'host', '--bind', 'tcp://127.0.0.1:*', '--name', name, ...allow.flatMap((a) => ['--allow-import', a])];
  // the key goes through the environment, never argv (other users can read argv in ps)
  const child = spawn(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: '', ZEROPROC_AUTHKEY: authkey }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const address = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const serving = /serving at (\S+)/.exec(line);
      if (serving) resolve(serving[1]!);
      else if (!line.startsWith('zeroproc host:')) console.log(`[${name}] ${line}`);
    });
    void exited.then(([code]) => reject(new Error(`host ${name} exited (${String(code)}) before serving`)));
  });
  return { child, address };
}

/** Starts one daemon per name, all with `authkey`, letting requesters load from `allow`. */
export async function startHosts(names: string[], options: { authkey: string; allow: string[] }): Promise<Hosts> {
  const started = await Promise.allSettled(names.map((n) => startHost(n, options.authkey, options.allow)));
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(running.map(async ({ child }) => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }));
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  return { addresses: running.map((r) => r.address), [Symbol.asyncDispose]: stop };
}
