// One client of the K-clients baseline: a DEALER connected to the echo peer whose address it is
// given; told `{ run: n }`, it does n sequential round trips of the bench's tiny message and
// answers with the time they took, so K of these against one echo ROUTER are the raw floor of K
// zeroproc clients into one server.
import * as zmq from 'zeromq';

const TINY = Buffer.from('{"id":1,"m":"ping","a":[1]}');
const dealer = new zmq.Dealer({ linger: 0 });
process.on('disconnect', () => process.exit(0));
dealer.connect(process.argv[2]);

process.on('message', async ({ run }) => {
  const start = performance.now();
  for (let i = 0; i < run; i++) {
    await dealer.send(TINY);
    await dealer.receive();
  }
  process.send({ ms: performance.now() - start });
});
process.send({ ready: true });
