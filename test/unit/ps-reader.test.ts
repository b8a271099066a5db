import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { TreeReader } from '../../src/cli/ps.js';

const dir = mkdtempSync(join(tmpdir(), 'zeroproc-ps-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A reader whose listing of live trees is given: what the run directories showed just before. */
class ListedReader extends TreeReader {
  constructor(private readonly listed: Array<{ pid: number; address: string }>) {
    super(undefined, 2_000);
  }
  protected override listTrees(): Array<{ pid: number; address: string }> {
    return this.listed;
  }
}

/** A pid whose process has ended (and been reaped). */
function endedPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']));
}

test('a listed tree whose socket or process is gone by the time it is read ended meanwhile: it is not unreachable', async () => {
  const gone = `ipc://${join(dir, 'ps-gone.sock')}`;
  // listed sockets that are there but cannot be read: one whose process ended since, and one of
  // a live process, which is a problem to show
  const ended = join(dir, 'ps-ended.sock');
  const live = join(dir, 'ps-live.sock');
  writeFileSync(ended, '');
  writeFileSync(live, '');
  const reader = new ListedReader([
    { pid: process.pid, address: gone },
    { pid: endedPid(), address: `ipc://${ended}` },
    { pid: process.pid, address: `ipc://${live}` },
  ]);
  try {
    const doc = await reader.read();
    expect(doc.trees).toEqual([]);
    expect(doc.unreachable).toEqual([{ address: `ipc://${live}`, error: `cannot reach ipc://${live}: not a socket` }]);
  } finally {
    await reader.close();
  }
});

test('a socket named with --connect that is not there is unreachable, with the reason', async () => {
  const gone = `ipc://${join(dir, 'ps-named.sock')}`;
  const reader = new TreeReader(gone, 2_000);
  try {
    expect((await reader.read()).unreachable).toEqual([{ address: gone, error: `cannot reach ${gone}: no such socket (has the tree ended?)` }]);
  } finally {
    await reader.close();
  }
});
