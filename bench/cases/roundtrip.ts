// Sequential round trips, self-check: the two request/reply baselines against each other (Node's
// IPC pipe against a zmq TCP round trip). zeroproc case 1 is in rpc.ts.
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
