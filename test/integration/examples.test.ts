import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an example the way the README says (npx tsx examples/NAME.ts), in a scratch directory. */
async function runExample(name: string): Promise<{ stdout: string; stderr: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), `zeroproc-example-${name}-`));
  const { stdout, stderr } = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'examples', `${name}.ts`)], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { stdout, stderr, cwd };
}

describe('examples', () => {
  test('quickstart: two children, three call modes, one aggregated log', async () => {
    const { stdout, cwd } = await runExample('quickstart');
    try {
      for (const worker of ['worker-1', 'worker-2']) {
        const says = new RegExp(`quickstart: ${worker} \\(pid (\\d+)\\) says 2 \\+ 3 = 5`).exec(stdout);
        expect(says).not.toBeNull();
        const pid = says![1];
        expect(stdout).toContain(`[${worker}:${pid}] info math: add(2, 3)`);
        expect(stdout).toContain(`quickstart: ${worker} squares: 9, 16`);
        expect(stdout).toContain(`[${worker}:${pid}] stdout note from pid ${pid}: hello from the parent`);
      }
      const file = readFileSync(join(cwd, 'logs', 'zeroproc.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { process: string; msg: string });
      expect(file.filter((r) => r.msg === 'add(2, 3)').map((r) => r.process).sort()).toEqual(['worker-1', 'worker-2']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
