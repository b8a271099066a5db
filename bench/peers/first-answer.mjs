// The bare child a zeroproc child is measured against: binds one ROUTER, tells the parent its
// address, answers requests, and otherwise idles (its RSS is read while it does).
import * as zmq from 'zeromq';

const router = new zmq.Router({ linger: 0 });
process.on('disconnect', () => process.exit(0));

await router.bind(process.env.BENCH_BIND);
process.send({ address: router.lastEndpoint });
for await (const [identity, request] of router) {
  await router.send([identity, request]);
}
