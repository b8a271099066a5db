import { describe, expect, test } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isPrivateIpc, privateEndpoint, privateRunDir, releaseBoundEndpoint, removeOwnEndpoint, setRestartingParent } from '../../src/transport/private-dir.js';

describe('private ipc directories', () => {
  test('the run directory is 0700, owned by this user, and endpoints in it count as private', () => {
    const dir = privateRunDir();
    const st = statSync(dir);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(process.getuid!());
    expect(statSync(dirname(dir)).mode & 0o077).toBe(0);
    const a = privateEndpoint('worker-1');
    const b = privateEndpoint('worker-1');
    expect(a).toMatch(/^ipc:\/\/\/.*\/worker-1-[0-9a-f]{12}\.sock$/);
    expect(a).not.toBe(b);
    expect(isPrivateIpc(a)).toBe(true);
  });

  test('an ipc endpoint in a directory others can enter is not private, nor is tcp or a relative path', () => {
    const open = mkdtempSync(join(tmpdir(), 'zp-open-'));
    try {
      chmodSync(open, 0o755);
      expect(isPrivateIpc(`ipc://${open}/s.sock`)).toBe(false);
      chmodSync(open, 0o700);
      expect(isPrivateIpc(`ipc://${open}/s.sock`)).toBe(true);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
    expect(isPrivateIpc('tcp://127.0.0.1:5555')).toBe(false);
    expect(isPrivateIpc('ipc://relative/s.sock')).toBe(false);
    expect(isPrivateIpc('ipc:///no/such/dir/s.sock')).toBe(false);
  });

  test('tags are reduced to safe characters', () => {
    expect(privateEndpoint('../x y')).toMatch(/\/xy-[0-9a-f]{12}\.sock$/);
  });
});

describe('run directories of killed processes', () => {
  test('are removed by the next process that makes one; those of live processes stay', async () => {
    const { spawnSync } = await import('node:child_process');
    const { existsSync, mkdirSync: mkdir } = await import('node:fs');
    const base = dirname(privateRunDir());
    // a pid that is surely gone: a process that ran and was reaped
    const gonePid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dead = join(base, `r${gonePid}-test`);
    const live = join(base, `r${process.pid}-other`);
    mkdir(dead, { mode: 0o700 });
    mkdir(live, { mode: 0o700 });
    try {
      // another process of this user makes its run directory
      const made = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/transport/private-dir.ts').then((m) => m.privateRunDir())"], { cwd: join(dirname(new URL(import.meta.url).pathname), '../..'), env: { ...process.env, NODE_OPTIONS: '' } });
      expect(made.status).toBe(0);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(dead, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
    }
  });
});

describe('what a closed socket leaves behind', () => {
  const pathOf = (address: string) => address.slice('ipc://'.length);

  test("a detached child's directory goes with its socket once no parent could start the next child there", async () => {
    const { spawnSync } = await import('node:child_process');
    const address = privateEndpoint('daemon', { outlivesProcess: true });
    const dir = dirname(pathOf(address));
    try {
      expect(dirname(dir)).toBe(dirname(privateRunDir()));
      // while the process that started it lives, the directory is that process's to remove
      setRestartingParent(process.ppid);
      writeFileSync(pathOf(address), '');
      releaseBoundEndpoint(address);
      expect(existsSync(pathOf(address))).toBe(false);
      expect(existsSync(dir)).toBe(true);
      // once it is gone (this process was reparented), the child removes it
      setRestartingParent(spawnSync(process.execPath, ['-e', '0']).pid!);
      writeFileSync(pathOf(address), '');
      releaseBoundEndpoint(address);
      expect(existsSync(dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an endpoint in a directory of its own is removed with a killed child's socket file; a directory holding more stays", () => {
    const own = privateEndpoint('daemon', { outlivesProcess: true });
    const ownDir = dirname(pathOf(own));
    try {
      writeFileSync(pathOf(own), '');
      writeFileSync(join(ownDir, 'someone-else.txt'), 'x');
      removeOwnEndpoint(own);
      expect(existsSync(pathOf(own))).toBe(false);
      expect(existsSync(join(ownDir, 'someone-else.txt'))).toBe(true);
      rmSync(join(ownDir, 'someone-else.txt'));
      removeOwnEndpoint(own);
      expect(existsSync(ownDir)).toBe(false);
    } finally {
      rmSync(ownDir, { recursive: true, force: true });
    }
  });

  test('any other endpoint is left alone: one in the run directory, or one the caller chose', () => {
    const inRun = privateEndpoint('child');
    writeFileSync(pathOf(inRun), '');
    removeOwnEndpoint(inRun);
    expect(existsSync(pathOf(inRun))).toBe(true);
    rmSync(pathOf(inRun));
    expect(existsSync(privateRunDir())).toBe(true);
    const outside = mkdtempSync(join(tmpdir(), 'd'));
    try {
      writeFileSync(join(outside, 's.sock'), '');
      removeOwnEndpoint(`ipc://${outside}/s.sock`);
      expect(existsSync(join(outside, 's.sock'))).toBe(true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    expect(() => removeOwnEndpoint('tcp://127.0.0.1:5555')).not.toThrow();
  });
});
