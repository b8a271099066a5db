// Chunk peer for the raw zeromq.js baseline of the stream cases: binds a ROUTER, reports its
// address over the fork IPC channel, and answers a request `count,bytes` with `count` messages
// of `bytes` each, sent back to back (one send in flight, as zeromq.js allows).
import * as zmq from 'zeromq';

const router = new zmq.Router({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });
process.on('disconnect', () => process.exit(0));

await router.bind(process.env.BENCH_BIND);
process.send({ address: router.lastEndpoint });

let block = Buffer.alloc(0);
for await (const [identity, request] of router) {
  const [count, bytes] = request.toString().split(',').map(Number);
  if (block.length !== bytes) block = Buffer.alloc(bytes, 0xa5);
  for (let i = 0; i < count; i++) await router.send([identity, block]);
}
