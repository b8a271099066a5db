/** Starts test/fixtures/rpc/peer.ts (or another fixture there) as a real child process and waits for its address. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface PeerProcess {
  address: string;
  pid: number;
  child: ChildProcess;
  /** Kills the process and waits until it is gone. */
  kill(): Promise<void>;
}

export async function startPeer(env: Record<string, string> = {}, script = 'peer.ts'): Promise<PeerProcess> {
  const fixture = fileURLToPath(new URL(`../fixtures/rpc/${script}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', fixture], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line as string),
    exited.then(([code]) => {
      throw new Error(`peer exited with ${code} before it started`);
    }),
  ]);
  lines.close();
  const { address, pid } = JSON.parse(first) as { address: string; pid: number };
  return {
    address,
    pid,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
