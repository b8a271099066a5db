// Sequential round trips. zeroproc case 1 pairs with zmqEchoSequential; until then the two
// request/reply baselines are run against each other.
import { forkIpcPingPong, zmqEchoSequential } from '../baselines.js';
import { info, type BenchCase } from '../harness.js';

export const cases: BenchCase[] = [
  {
    name: 'selfcheck: fork IPC ping-pong',
    target: info('Node IPC against raw zeromq.js echo'),
    baseline: zmqEchoSequential,
    measure: forkIpcPingPong.measure,
  },
];
