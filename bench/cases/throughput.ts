// Throughput self-check: the pipelined echo against one-way PUSH/PULL (what the replies cost).
// zeroproc cases 2 and 3 are in rpc.ts.
import { zmqEchoPipelined, zmqPushPull } from '../baselines.js';
import { info, type BenchCase } from '../harness.js';

export const cases: BenchCase[] = [
  {
    name: 'selfcheck: zmq pipelined echo',
    target: info('round trips/s against one-way messages/s'),
    baseline: zmqPushPull,
    metric: zmqEchoPipelined,
    measure: zmqEchoPipelined.measure,
  },
];
