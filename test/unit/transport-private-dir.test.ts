import { describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isPrivateIpc, privateEndpoint, privateRunDir } from '../../src/transport/private-dir.js';

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
