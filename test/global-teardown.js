import { readdirSync, readFileSync } from 'node:fs';

function taggedProcesses(tag) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!env.includes(`ZEROPROC_TEST_RUN=${tag}`)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // reaped soon by its parent
      found.push(`${entry} ${cmd}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Fails the run when any process started by the suite is still alive, and kills it. */
export default async function globalTeardown() {
  const tag = process.env.ZEROPROC_TEST_RUN;
  if (!tag) return;
  // jest's own workers carry the tag too; they are jest's to end
  const leftovers = () => taggedProcesses(tag).filter((l) => !l.includes('jest-worker'));
  let left = leftovers();
  // a child killed by the last test may need a moment to be reaped
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftovers();
  }
  if (left.length > 0) {
    for (const line of left) {
      try { process.kill(Number(line.split(' ')[0]), 'SIGKILL'); } catch { /* gone */ }
    }
    throw new Error(`the test suite left ${left.length} process(es) running:\n${left.join('\n')}`);
  }
}
