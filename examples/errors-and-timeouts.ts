/**
 * Errors and timeouts: what a caller sees when remote code throws (RemoteError, with the remote
 * stack), when it takes too long (TimeoutError, and the call is cancelled in the child), and when
 * the child dies in the middle of a call (ProcessExitedError, at once, not after a timeout).
 * Run: npx tsx examples/errors-and-timeouts.ts
 */
import { ProcessExitedError, RemoteError, spawn, TimeoutError, withOptions, ZeroprocError } from 'zeroproc';

type Faulty = typeof import('./modules/faulty.js');

const child = await spawn({ name: 'faulty' });
try {
  const faulty = await child.import<Faulty>(new URL('./modules/faulty.ts', import.meta.url).href);

  // 1. A remote exception arrives as a RemoteError: the remote class name, message and own
  //    fields are kept, and its stack shows where it was thrown in the child.
  try {
    await faulty.register('Ada', 212);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    console.log(`1. ${err.name} [${err.code}] from ${err.origin.server} (pid ${err.origin.pid})`);
    console.log(`   remoteName: ${err.remoteName}, field: ${err.fields.field}, remote code: ${String(err.remoteCode)}`);
    console.log(`   message: ${err.message}`);
    const remoteFrames = (err.remoteStack ?? '').split('\n').filter((l) => l.includes('faulty.ts'));
    console.log(`   remote stack (${remoteFrames.length} frames in faulty.ts):`);
    for (const frame of remoteFrames) console.log(`     ${frame.trim().replace(/\(.*\//, '(')}`);
    console.log(`   err.stack has the remote part: ${err.stack?.includes('--- remote stack (faulty) ---')}`);
  }

  // 2. A call that takes longer than its timeout fails with TimeoutError, and the child sees
  //    currentCall().signal abort, so it can stop the work nobody waits for any more.
  const impatient = withOptions(faulty, { timeout: 300 });
  const t0 = performance.now();
  try {
    await impatient.slowAnswer(5_000);
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    console.log(`2. ${err.name} [${err.code}] after ${Math.round((performance.now() - t0) / 100) * 100} ms: ${err.message}`);
  }

  // 3. The child exits while the call is pending: the call fails as soon as the process is
  //    gone, with its exit code and the last lines it wrote to stderr.
  const t1 = performance.now();
  try {
    await faulty.crashMidCall();
  } catch (err) {
    if (!(err instanceof ProcessExitedError)) throw err;
    console.log(`3. ${err.name} [${err.code}] after ${Math.round(performance.now() - t1)} ms (the call timeout is 10 s)`);
    console.log(`   process ${err.processName} (pid ${err.pid}) exit code ${err.exitCode}, signal ${err.signal}`);
    console.log(`   stderr tail: ${JSON.stringify(err.stderrTail)}`);
    console.log(`   is a ZeroprocError: ${err instanceof ZeroprocError}`);
  }
  console.log(`the child's final exit: ${JSON.stringify(await child.wait())}`);
} finally {
  await child.stop(); // a no-op when the child is already gone
}
