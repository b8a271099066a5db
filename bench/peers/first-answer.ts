// Same child as first-answer.mjs, as TypeScript run by `node --import tsx`: the floor for a
// zeroproc child that has to load tsx.
import * as zmq from 'zeromq';

const router = new zmq.Router({ linger: 0 });
process.on('disconnect', () => process.exit(0));

await router.bind(process.env.BENCH_BIND!);
process.send?.({ address: router.lastEndpoint });
for await (const [identity, request] of router) {
  await router.send([identity, request]);
}
