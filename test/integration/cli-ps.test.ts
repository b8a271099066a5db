/**
 * `zeroproc ps`, `stop` and `restart` run as real CLI subprocesses (the compiled CLI) against a
 * real tree: a script with three children (one restarted on failure, one that spawned a
 * grandchild) and an actor with queued messages (test/fixtures/scripts/ps-tree.mjs).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn as spawnChild } from 'zeroproc';
import type { ProcessStatus } from '../../src/process/status.js';
import type { PsDocument } from '../../src/cli/ps-format.js';
import { alive } from '../helpers/pids.js';
import { eventually } from '../helpers/eventually.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const TREE = join(ROOT, 'test/fixtures/scripts/ps-tree.mjs');

interface TreePids {
  root: number;
  crashy: number;
  steady: number;
  nested: number;
  grandchild: number;
}

/** A running ps-tree script and the pids it printed. */
interface RunningTree {
  child: ChildProcess;
  tag: string;
  pids: TreePids;
  /** Every pid of the tree seen so far (restarts add some), all killed at the end. */
  seen: Set<number>;
  /** What the tree wrote on stderr, shown when it is not found. */
  stderr: () => string;
}

async function startTree(): Promise<RunningTree> {
  const tag = randomBytes(4).toString('hex');
  const child = spawn(process.execPath, [TREE, tag], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pids = await new Promise<TreePids>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line) as TreePids);
    });
    child.once('exit', (code) => reject(new Error(`ps-tree exited with ${code} before it was ready:\n${stderr}`)));
  });
  return { child, tag, pids, seen: new Set(Object.values(pids)), stderr: () => stderr };
}

async function stopTree(tree: RunningTree): Promise<void> {
  if (tree.child.exitCode === null && tree.child.signalCode === null) {
    const gone = new Promise((resolve) => tree.child.once('close', resolve));
    tree.child.kill('SIGKILL');
    await gone;
  }
  // the children end with their parent (death signal): wait for that, so none outlives the test
  await eventually(() => [...tree.seen].every((pid) => !alive(pid)), 10_000, 'the end of every process of the tree');
}

/** Where this user's run directories are (src/transport/private-dir.ts). */
function userDir(): string {
  return join(process.env.XDG_RUNTIME_DIR || tmpdir(), `zeroproc-${process.getuid!()}`);
}

function run(args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [CLI, ...args], { reject: false, cwd: ROOT, env: { NO_COLOR: '1', ...env } });
}

async function psJson(): Promise<PsDocument> {
  const r = await run(['ps', '--json']);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as PsDocument;
}

function treeOf(doc: PsDocument, tree: RunningTree): ProcessStatus {
  const found = doc.trees.find((t) => t.pid === tree.pids.root);
  if (!found) throw new Error(`tree ${tree.pids.root} not listed: ${JSON.stringify(doc)}; its stderr:\n${tree.stderr()}`);
  return found;
}

function child(status: ProcessStatus, name: string): ProcessStatus {
  const found = status.children.find((c) => c.name === name);
  if (!found) throw new Error(`no child ${name} in ${status.name}: ${status.children.map((c) => c.name).join(', ')}`);
  return found;
}

/** Reads `ps --json` until `test` holds for the tree (a restart takes its time). */
async function psUntil(tree: RunningTree, test: (status: ProcessStatus) => boolean, what: string): Promise<ProcessStatus> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const status = treeOf(await psJson(), tree);
    if (test(status)) return status;
    if (performance.now() > deadline) throw new Error(`${what} not seen in ps within 15 s; last: ${JSON.stringify(status)}`);
  }
}

describe('zeroproc ps against a running tree', () => {
  let tree: RunningTree;
  // four processes to start: slow on a loaded machine
  beforeAll(async () => {
    tree = await startTree();
  }, 60_000);
  afterAll(async () => {
    await stopTree(tree);
  });

  test('--json lists the tree with real pids, gauges, restarts, actors and the grandchild', async () => {
    const doc = await psJson();
    expect(doc.schema).toBe('zeroproc.ps/1');
    expect(Number.isNaN(Date.parse(doc.time))).toBe(false);
    const root = treeOf(doc, tree);
    const t = tree.tag;
    expect(root).toMatchObject({ name: 'ps-tree', pid: tree.pids.root, host: hostname(), state: 'running', restartBudget: null, statusError: null });
    expect(root.children.map((c) => c.name)).toEqual([`crashy-${t}`, `steady-${t}`, `nested-${t}`]);
    for (const c of [root, ...root.children]) {
      expect(alive(c.pid)).toBe(true);
      expect(c.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(c.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(typeof c.eventLoopLagMs).toBe('number');
      expect(c.uptimeMs).toBeGreaterThan(0);
    }
    expect(child(root, `crashy-${t}`)).toMatchObject({ pid: tree.pids.crashy, restarts: 0, restartBudget: 5, state: 'running', lastError: null });
    expect(child(root, `steady-${t}`)).toMatchObject({ pid: tree.pids.steady, restartBudget: 0 });
    expect(child(root, `crashy-${t}`).address).toMatch(/^ipc:\/\//);
    const nested = child(root, `nested-${t}`);
    expect(nested.children).toHaveLength(1);
    expect(nested.children[0]).toMatchObject({ name: `grandchild-${t}`, pid: tree.pids.grandchild, state: 'running' });
    expect(nested.children[0]!.rssBytes).toBeGreaterThan(0);
    // one ask runs (it never answers), three asks and a tell wait
    expect(root.actors).toEqual([
      { id: `gate-${t}`, className: 'Gate', state: 'running', queued: 4, running: 1, inFlightAsks: 4, received: 5, processed: 0, droppedTells: 0, expiredAsks: 0 },
    ]);
  });

  test('a killed child shows its restart, its new pid, the budget left and the crash', async () => {
    const name = `crashy-${tree.tag}`;
    process.kill(tree.pids.crashy, 'SIGKILL');
    const root = await psUntil(tree, (s) => child(s, name).restarts === 1 && child(s, name).state === 'running', 'the restart');
    const crashy = child(root, name);
    tree.seen.add(crashy.pid);
    expect(crashy.pid).not.toBe(tree.pids.crashy);
    expect(alive(crashy.pid)).toBe(true);
    expect(crashy.restartBudget).toBe(4);
    expect(crashy.lastError).toContain('SIGKILL');
    expect(crashy.rssBytes).toBeGreaterThan(0);
  });

  test('the table shows the tree indented, actors under their process, errors on ! lines', async () => {
    const r = await run(['ps']);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME +PID +HOST +STATE +UPTIME +RESTARTS +RSS +CPU% +LAG +MAILBOX +ASKS +MSGS +ADDRESS$/);
    const at = lines.findIndex((l) => l.startsWith(`ps-tree `) && l.includes(` ${tree.pids.root} `));
    expect(at).toBeGreaterThan(0);
    const own = lines.slice(at, at + 8);
    const t = tree.tag;
    expect(own[1]).toMatch(new RegExp(`^  @gate-${t} \\(Gate\\) +running +4 +4 +0/5$`));
    expect(own.find((l) => l.startsWith(`  crashy-${t} `))).toMatch(/ running +\d+s +1 \(4 left\) +\d/);
    expect(own.find((l) => l.startsWith(`  steady-${t} `))).toContain(` ${tree.pids.steady} `);
    expect(own.some((l) => /^ {4}! last error: process crashy-\w+ \(pid \d+\) was killed by SIGKILL/.test(l))).toBe(true);
    expect(own.some((l) => l.startsWith(`    grandchild-${t} `) && l.includes(` ${tree.pids.grandchild} `))).toBe(true);
  });

  test('--watch prints a frame per reading and ends cleanly on SIGINT', async () => {
    const watcher = spawn(process.execPath, [CLI, 'ps', '--watch', '100'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    watcher.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    watcher.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.once('close', (code) => resolve(code)));
    const frames = (): number => out.split('\n').filter((l) => l.startsWith('NAME ')).length;
    try {
      await eventually(() => frames() >= 2, 15_000, 'two frames');
      watcher.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      watcher.kill('SIGKILL');
    }
    expect(err).toBe('');
    expect(out).toContain(`grandchild-${tree.tag}`);
  });

  test('restart and stop act through the owner and show in the next ps', async () => {
    const t = tree.tag;
    const restarted = await run(['restart', `steady-${t}`]);
    expect(restarted.stderr).toBe('');
    expect(restarted.stdout).toMatch(new RegExp(`^restarted steady-${t} \\(pid ${tree.pids.steady} -> (\\d+)\\)$`));
    const newPid = Number(/-> (\d+)/.exec(restarted.stdout)![1]);
    tree.seen.add(newPid);
    let root = treeOf(await psJson(), tree);
    expect(child(root, `steady-${t}`)).toMatchObject({ pid: newPid, restarts: 1, state: 'running' });
    expect(alive(tree.pids.steady)).toBe(false);

    // the grandchild is owned by nested: the request goes there, with nested's owner token
    const byPid = await run(['restart', String(tree.pids.grandchild)]);
    expect(byPid.stdout).toMatch(new RegExp(`^restarted grandchild-${t} \\(pid ${tree.pids.grandchild} -> \\d+\\)`));
    tree.seen.add(Number(/-> (\d+)/.exec(byPid.stdout)![1]));

    const stopped = await run(['stop', `steady-${t}`]);
    expect(stopped.stdout).toBe(`stopped steady-${t} (pid ${newPid})`);
    root = treeOf(await psJson(), tree);
    expect(child(root, `steady-${t}`)).toMatchObject({ pid: newPid, state: 'exited', address: null, rssBytes: null });
    expect(child(child(root, `nested-${t}`), `grandchild-${t}`).restarts).toBe(1);
    expect(alive(newPid)).toBe(false);

    const again = await run(['stop', `steady-${t}`]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain(`steady-${t} has exited: there is nothing to stop`);
  }, 60_000);

  test('--connect reads the one tree at a status socket', async () => {
    const dir = readdirSync(userDir()).find((d) => d.startsWith(`r${tree.pids.root}-`))!;
    const socket = readdirSync(join(userDir(), dir)).find((f) => f.startsWith('ps-'))!;
    const r = await run(['ps', '--json', '--connect', `ipc://${join(userDir(), dir, socket)}`]);
    const doc = JSON.parse(r.stdout) as PsDocument;
    expect(doc.trees.map((t) => t.pid)).toEqual([tree.pids.root]);
  });

  test('unknown names, the root and actors are refused with a reason', async () => {
    const unknown = await run(['stop', `nobody-${tree.tag}`]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(new RegExp(`^zeroproc stop: no process "nobody-${tree.tag}" in \\d+ running tree\\(s\\); supervised processes: .*crashy-${tree.tag} \\(pid \\d+\\)`));
    const root = await run(['restart', String(tree.pids.root)]);
    expect(root.exitCode).toBe(1);
    expect(root.stderr).toBe(`zeroproc restart: ${tree.pids.root} is not supervised by a zeroproc parent of this tree: it can only be stopped by a signal`);
    const actor = await run(['stop', `gate-${tree.tag}`]);
    expect(actor.exitCode).toBe(1);
    expect(actor.stderr).toContain(`gate-${tree.tag} is an actor, not a process: stop it with host.stopActor("gate-${tree.tag}")`);
    const usage = await run(['stop']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('expects one process name or pid, got 0');
  });
});

describe('zeroproc ps finds only live trees', () => {
  let tree: RunningTree | undefined;
  afterEach(async () => {
    if (tree) await stopTree(tree);
    tree = undefined;
  });

  test('a killed tree is not listed and its run directory is removed', async () => {
    tree = await startTree();
    const root = tree.pids.root;
    expect(treeOf(await psJson(), tree).pid).toBe(root);
    const runDirs = (): string[] => readdirSync(userDir()).filter((d) => d.startsWith(`r${root}-`));
    expect(runDirs()).toHaveLength(1);
    await stopTree(tree);
    tree = undefined;
    // SIGKILL: no exit handler ran, its socket file is still there until someone looks
    const doc = await psJson();
    expect(doc.trees.map((t) => t.pid)).not.toContain(root);
    expect(doc.unreachable).toEqual([]);
    expect(runDirs()).toEqual([]);
  }, 60_000);

  test('--connect reads one tree; a socket that is not there is a clear error', async () => {
    const gone = await run(['ps', '--connect', `ipc://${join(tmpdir(), 'zeroproc-no-such-dir', 'ps-0.sock')}`]);
    expect(gone.exitCode).toBe(1);
    expect(gone.stdout).toContain('no such socket (has the tree ended?)');
    const named = await run(['ps', '--connect', 'zpname:shop'], { ZEROPROC_NAMESERVER: 'ipc:///nonexistent-zeroproc-test/ns.sock' });
    expect(named.exitCode).toBe(1);
    expect(named.stdout).toContain('! zpname:shop: no name server at ipc:///nonexistent-zeroproc-test/ns.sock');
    const bad = await run(['ps', '--watch', '0']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--watch expects a number of milliseconds from 1 to 2147483647, got "0"');
    const help = await run(['help', 'ps']);
    expect(help.stdout).toMatch(/^Usage: zeroproc ps \[options\]/);
  });

  test('a ps run elsewhere leaves the count of objects a child holds for its users unchanged', async () => {
    await using child = await spawnChild({ name: 'counted' });
    const inv = await child.import<{ objectCount(): number }>(pathToFileURL(join(ROOT, 'examples/modules/inventory.ts')).href);
    const before = await inv.objectCount();
    const doc = await psJson();
    // this test's process is a tree root now, and ps read its child's status service
    const mine = doc.trees.find((t) => t.pid === process.pid);
    expect(mine?.children.map((c) => c.name)).toContain('counted');
    expect(await inv.objectCount()).toBe(before);
  });
});
