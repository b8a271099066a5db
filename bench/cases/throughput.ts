// Throughput. zeroproc case 2 pairs with zmqEchoPipelined and case 3 with zmqPushPull; until
// then the pipelined echo is run against one-way PUSH/PULL (what the replies cost).
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
