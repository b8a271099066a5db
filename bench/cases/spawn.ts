// Child start and footprint.
// - zeroproc case 5: `spawn()` to the first answered call. A compiled-JS child (the default,
//   running dist/children/bootstrap.js on bare node) against bareForkFirstAnswer; a TypeScript
//   child (`typescript: true`, so the child runs under `--import tsx`) importing a .ts module,
//   against tsxForkFirstAnswer (the same bare child as TypeScript under `node --import tsx`).
// - zeroproc case 6: the idle child's RSS against bareChildRss.
// - Self-checks: the tsx baselines against the bare ones (what loading tsx costs).
import { bareChildRss, bareForkFirstAnswer, tsxChildRss, tsxForkFirstAnswer } from '../baselines.js';
import { atMost, info, peerScript, settledRssMB, stateless, timeMs, type BenchCase } from '../harness.js';
import { checkCompiledChild, killQuietly, spawnBench, type ProcessHandle, type Target, type TsTarget } from '../zeroproc.js';

/**
 * One sample of case 5: spawn() (which resolves once the child's server answered its client),
 * import the bench module in the child and get one call answered. The child is killed outside
 * the timing, as the baseline kills its peer.
 */
async function spawnToFirstCall(typescript: boolean): Promise<number> {
  let proc: ProcessHandle | undefined;
  try {
    const ms = await timeMs(async () => {
      if (typescript) {
        proc = await spawnBench('ts-start', { typescript: true });
        const mod = await proc.import<TsTarget>(peerScript('zp-target.ts'));
        if ((await mod.echo(1)) !== 1) throw new Error('wrong echo');
      } else {
        proc = await spawnBench('js-start');
        const mod = await proc.import<Target>(peerScript('zp-target.mjs'));
        if ((await mod.echo(1)) !== 1) throw new Error('wrong echo');
      }
    });
    return ms;
  } finally {
    await killQuietly(proc);
  }
}

export const cases: BenchCase[] = [
  {
    name: 'spawn: compiled-JS child, spawn to first call',
    issueCase: 5,
    target: atMost(1.3, 'bare fork'),
    baseline: bareForkFirstAnswer,
    measure: async () => {
      checkCompiledChild();
      return stateless(() => spawnToFirstCall(false));
    },
  },
  {
    name: 'spawn: TypeScript child, spawn to first call',
    issueCase: 5,
    target: atMost(1.3, 'bare node --import tsx'),
    baseline: tsxForkFirstAnswer,
    measure: async () => {
      checkCompiledChild();
      return stateless(() => spawnToFirstCall(true));
    },
  },
  {
    // the child has answered its spawn handshake and one ping, as the bare child answered one
    // request; nothing else is imported into it
    name: 'spawn: idle child RSS',
    issueCase: 6,
    target: atMost(1.3, 'bare child'),
    baseline: bareChildRss,
    measure: async () => {
      checkCompiledChild();
      return stateless(async () => {
        let proc: ProcessHandle | undefined;
        try {
          proc = await spawnBench('rss');
          await proc.client.ping();
          return await settledRssMB(proc.pid);
        } finally {
          await killQuietly(proc);
        }
      });
    },
  },
  {
    name: 'selfcheck: node --import tsx child, spawn to first answer',
    target: info('tsx child against bare node child'),
    baseline: bareForkFirstAnswer,
    measure: tsxForkFirstAnswer.measure,
  },
  {
    name: 'selfcheck: node --import tsx child, idle RSS',
    target: info('tsx child against bare node child'),
    baseline: bareChildRss,
    measure: tsxChildRss.measure,
  },
];
