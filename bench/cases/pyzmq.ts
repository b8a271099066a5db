// The pyzmq baseline (issue 16): zeroproc's sequential calls against pyzmq DEALER/ROUTER with
// msgpack bodies, both ends Python (bench/peers/pyzmq-echo.py), and that baseline against raw
// zeromq.js. Left out, with a note on stderr, where python3 lacks zmq or msgpack.
import { pyzmqMissing, pyzmqMsgpackSequential, zmqEchoSequential } from '../baselines.js';
import { info, type BenchCase } from '../harness.js';
import { cases as rpcCases } from './rpc.js';

const missing = pyzmqMissing();
if (missing) process.stderr.write(`note: the pyzmq cases are left out: ${missing}\n`);

const sequential = rpcCases.find((c) => c.name === 'rpc: sequential calls')!;

export const cases: BenchCase[] = missing
  ? []
  : [
      {
        name: 'rpc: sequential calls vs pyzmq',
        target: info('pyzmq DEALER/ROUTER + msgpack, both ends Python'),
        baseline: pyzmqMsgpackSequential,
        measure: sequential.measure,
      },
      {
        name: 'selfcheck: pyzmq msgpack echo',
        target: info('pyzmq + msgpack against raw zeromq.js echo'),
        baseline: zmqEchoSequential,
        measure: pyzmqMsgpackSequential.measure,
      },
    ];
