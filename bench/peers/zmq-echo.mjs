// Echo peer for the raw zeromq.js baselines: binds a ROUTER, reports its address over the fork
// IPC channel (as a zeroproc child tells its parent), and sends every message straight back.
// With `--msgpack` it decodes and re-encodes each body with msgpack-lite first, to show what a
// payload copied into the MessagePack body costs compared with a separate frame.
import * as zmq from 'zeromq';
import msgpack from 'msgpack-lite';

const viaMsgpack = process.argv.includes('--msgpack');
const router = new zmq.Router({ linger: 0, sendHighWaterMark: 0, receiveHighWaterMark: 0 });
// the parent's death closes the IPC channel: never outlive it
process.on('disconnect', () => process.exit(0));

await router.bind(process.env.BENCH_BIND);
process.send({ address: router.lastEndpoint });

// one send in flight at a time: the reply is awaited before the next request is read
for await (const [identity, ...frames] of router) {
  if (viaMsgpack) {
    const request = msgpack.decode(frames[0]);
    await router.send([identity, msgpack.encode(request)]);
  } else {
    await router.send([identity, ...frames]);
  }
}
