// One-way receiver for the PUSH/PULL baseline: binds a PULL socket and, when told how many
// messages to expect, times them from the first to the last and reports the rate it saw.
import * as zmq from 'zeromq';

const pull = new zmq.Pull({ linger: 0 });
process.on('disconnect', () => process.exit(0));

await pull.bind(process.env.BENCH_BIND);

process.on('message', async ({ expect }) => {
  let first = 0n;
  const counted = (async () => {
    for (let received = 0; received < expect; received++) {
      await pull.receive();
      if (received === 0) first = process.hrtime.bigint();
    }
  })();
  // the receive is pending before the sender is told to start
  process.send({ ready: true });
  await counted;
  const seconds = Number(process.hrtime.bigint() - first) / 1e9;
  // the first message only starts the clock, so expect - 1 intervals were timed
  process.send({ perSecond: (expect - 1) / seconds });
});
process.send({ address: pull.lastEndpoint });
