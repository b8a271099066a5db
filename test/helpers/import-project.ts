/** A project on disk for import-policy tests, in a fresh temporary directory. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Creates `workers/task.mjs` (exports `answer = 42`: the module to allow), a package
 * `node_modules/runner/` beside it (what a `workers/../` path escapes to), and `secret.mjs` with a
 * symlink to it at `workers/link.mjs`. Returns the directory; the caller removes it.
 */
export function createImportProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'zeroproc-imports-'));
  mkdirSync(join(root, 'workers'));
  mkdirSync(join(root, 'node_modules', 'runner'), { recursive: true });
  writeFileSync(join(root, 'workers', 'task.mjs'), 'export const answer = 42;\n');
  writeFileSync(join(root, 'node_modules', 'runner', 'index.js'), 'export const ran = true;\n');
  writeFileSync(join(root, 'secret.mjs'), 'export const secret = 1;\n');
  symlinkSync(join(root, 'secret.mjs'), join(root, 'workers', 'link.mjs'));
  return root;
}
