/**
 * Supervised: a child that crashes is restarted with exponential back-off, `onRestart` rebuilds
 * its state in the new process, and after too many quick crashes in a row the handle gives up.
 * Run: npx tsx examples/supervised.ts
 */
import { ProcessExitedError, spawn, type ProcessHandle, type Remote } from 'zeroproc';
import type { JobRunner } from './modules/flaky.js';

type Flaky = typeof import('./modules/flaky.js');
const JOBS = 20;
const CRASH_AFTER = 3; // every runner handles 3 jobs, then crashes on the 4th
const flakyUrl = new URL('./modules/flaky.ts', import.meta.url).href;

let next = 0; // the checkpoint: the first job not done yet, kept in the parent
let runner!: Remote<JobRunner>; // set by setUp()

/** The child's state: a fresh runner that resumes from the checkpoint. */
async function setUp(child: ProcessHandle): Promise<void> {
  const { JobRunner } = await child.import<Flaky>(flakyUrl);
  runner = await new JobRunner(next, CRASH_AFTER);
  console.log(`runner ready in pid ${child.pid}, resuming at job ${next}`);
}

const child = await spawn({
  name: 'flaky',
  // Restart after a crash: 100 ms, then 200, 400... A run shorter than minUptime counts as a quick
  // crash; after maxRestarts quick crashes in a row, the handle gives up.
  restart: { policy: 'on-failure', maxRestarts: 3, minUptime: 10_000, backoff: { initial: 100, factor: 2 } },
  onRestart: setUp, // runs in the parent once the new child answers, before calls go to it
});
child.on('exit', (e) => console.log(`pid ${e.pid} exited with code ${e.code} after ${e.uptime < 10_000 ? 'less than 10 s' : 'a while'}`));
child.on('restart', (e) => console.log(`restart #${e.attempt} after a ${e.delay} ms back-off: pid ${e.previousPid} -> ${e.pid}`));
const gaveUp = new Promise<string>((resolve) => child.on('giveup', (e) => resolve(`gave up after ${e.restarts} restarts: ${e.reason}`)));

// A handle does not keep this script alive by itself, not even during a back-off: wait() does,
// until the handle is finished (stopped, or given up).
const finished = child.wait();

await setUp(child);
try {
  while (next < JOBS) {
    try {
      console.log(await runner.run(next));
      next++;
    } catch (err) {
      if (!(err instanceof ProcessExitedError)) throw err;
      console.log(`job ${next} failed: ${err.name}, exit code ${err.exitCode}, stderr: ${err.stderrTail.at(-1)}`);
      // wait for the restart (onRestart has rebuilt `runner` by then), or for the give-up
      const outcome = await Promise.race([gaveUp, new Promise<void>((resolve) => child.once('restart', () => resolve()))]);
      if (typeof outcome === 'string') {
        console.log(outcome);
        break;
      }
    }
  }
  console.log(`finished ${next} of ${JOBS} jobs; restarts: ${child.restarts}; state: ${child.state}`);
} finally {
  await child.stop(); // a no-op once it gave up
}
console.log(`final exit: ${JSON.stringify(await finished)}`);
