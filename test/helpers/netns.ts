/**
 * Linux network namespaces for tests that need several "machines": real TCP between separate
 * addresses, and real faults (a machine's link cut). A network is one hub namespace holding a
 * bridge, plus N member namespaces each joined to the bridge by a veth pair; member i gets
 * 10.213.0.(i+1)/24 on its `eth0` and loopback up. Nothing is created outside these namespaces:
 * every interface is made inside the hub (`ip -n HUB link add ... peer ... netns MEMBER`), so two
 * runs at once never clash on interface names, and the fixed subnet never meets the host's routes.
 *
 * Names are `zpnet-<pid>-<n>-...`: a run deletes its own in `destroy()` (call it from afterAll)
 * and, as a backstop, when its process exits; the first network a process makes also deletes the
 * namespaces of runs whose process is gone (a killed jest worker runs no handler).
 *
 * Usage:
 *   const reason = netnsUnavailable();
 *   (reason ? describe.skip : describe)('...', () => { let net; beforeAll(async () => { net = await createNetwork(3); }); afterAll(() => net?.destroy()); ... });
 *   if (reason) reportSkip('my suite', reason);
 */
import { execFileSync } from 'node:child_process';
import { writeSync } from 'node:fs';
import { execa, type Options, type ResultPromise } from 'execa';

const PREFIX = 'zpnet-';
const SUBNET = '10.213.0';
const live = new Set<string>();
let counter = 0;
let swept = false;
let exitHookInstalled = false;

/** One member namespace: a "machine" with one address. */
export interface NetMember {
  /** The namespace name, for `ip netns exec`. */
  ns: string;
  /** Its IPv4 address on the shared subnet, e.g. `10.213.0.2`. */
  ip: string;
}

/** A set of namespaces joined by a bridge; see the file comment. */
export interface Network {
  members: NetMember[];
  /**
   * Starts `command args` inside member `i` (via `ip netns exec`, which execs the command: the
   * child's pid is the command's). The caller ends it; `destroy()` does not kill processes.
   */
  spawn(i: number, command: string, args: string[], options?: Options): ResultPromise;
  /** Runs a command inside member `i` to completion and returns its stdout. */
  run(i: number, command: string, args: string[]): Promise<string>;
  /** Cuts member `i`'s link (its veth end in the hub goes down): packets to and from it are lost. */
  cut(i: number): Promise<void>;
  /** Brings member `i`'s link back up. */
  restore(i: number): Promise<void>;
  /** Deletes every namespace of this network (idempotent). */
  destroy(): Promise<void>;
}

/** Why namespaces cannot be made here (not root, no `ip`, no kernel support), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message.split('\n')[0]}`;
  }
}

/**
 * Prints why a suite was skipped straight to the terminal: the quiet test environment holds back
 * what passing tests write through process.stdout/stderr, and a skip must not go unnoticed.
 */
export function reportSkip(suite: string, reason: string): void {
  writeSync(2, `skipped ${suite}: ${reason}\n`);
}

function ip(args: string[]): Promise<unknown> {
  return execa('ip', args, { stdin: 'ignore' });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces left by runs whose process is gone. */
async function sweepStale(): Promise<void> {
  const { stdout } = await execa('ip', ['netns', 'list'], { stdin: 'ignore' });
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0];
    const match = /^zpnet-(\d+)-/.exec(name);
    if (!match || Number(match[1]) === process.pid || pidAlive(Number(match[1]))) continue;
    await ip(['netns', 'del', name]).catch(() => undefined); // another run may be sweeping it too
  }
}

function deleteNowSync(): void {
  for (const name of live) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Creates `size` member namespaces (1 to 200) joined by a bridge; see the file comment. */
export async function createNetwork(size: number): Promise<Network> {
  if (!Number.isInteger(size) || size < 1 || size > 200) throw new Error(`createNetwork: size must be 1 to 200, got ${size}`);
  if (!swept) {
    swept = true;
    await sweepStale();
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', deleteNowSync);
  }
  const base = `${PREFIX}${process.pid}-${counter++}`;
  const hub = `${base}-hub`;
  const names: string[] = [hub];
  const members: NetMember[] = [];
  const add = async (name: string) => {
    await ip(['netns', 'add', name]);
    live.add(name);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  };
  const destroy = async () => {
    for (const name of names) {
      if (!live.delete(name)) continue;
      await ip(['netns', 'del', name]).catch(() => undefined);
    }
  };
  try {
    await add(hub);
    await ip(['-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', hub, 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < size; i++) {
      const ns = `${base}-m${i}`;
      names.push(ns);
      await add(ns);
      await ip(['-n', hub, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['-n', hub, 'link', 'set', `v${i}`, 'master', 'br0']);
      await ip(['-n', hub, 'link', 'set', `v${i}`, 'up']);
      const address = `${SUBNET}.${i + 1}`;
      await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      members.push({ ns, ip: address });
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  const member = (i: number) => {
    const m = members[i];
    if (!m) throw new Error(`network has no member ${i} (it has ${members.length})`);
    return m;
  };
  return {
    members,
    spawn: (i, command, args, options) => execa('ip', ['netns', 'exec', member(i).ns, command, ...args], { stdin: 'ignore', ...options }),
    run: async (i, command, args) => {
      const { stdout } = await execa('ip', ['netns', 'exec', member(i).ns, command, ...args], { stdin: 'ignore' });
      return stdout;
    },
    cut: async (i) => {
      member(i);
      await ip(['-n', hub, 'link', 'set', `v${i}`, 'down']);
    },
    restore: async (i) => {
      member(i);
      await ip(['-n', hub, 'link', 'set', `v${i}`, 'up']);
    },
    destroy,
  };
}

/** Kills a process started with `Network.spawn` (SIGKILL) and waits until it is gone. */
export async function killAndWait(child: ResultPromise): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await child.catch(() => undefined);
}
