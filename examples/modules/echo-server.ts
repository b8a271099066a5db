/**
 * A stand-alone zeroproc server (no spawner involved), used by the network and unix-sockets
 * examples. It can also be run by hand:
 *
 *   ZP_EXAMPLE_AUTHKEY=secret npx tsx examples/modules/echo-server.ts tcp://127.0.0.1:5555
 *
 * It binds the address given as its argument, publishes an `echo` object, prints its address on
 * stdout, and exits once its server is closed (for instance by a client's `closeServer()`).
 */
import { pathToFileURL } from 'node:url';
import { RPCServer } from 'zeroproc';

export class Echo {
  private count = 0;
  say(text: string): string {
    this.count++;
    return `echo #${this.count} from pid ${process.pid}: ${text}`;
  }
}

// Only run as a server when started as a script, not when imported for its types.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // The key comes from the environment here for brevity; keep real keys out of argv.
  const authkey = process.env.ZP_EXAMPLE_AUTHKEY;
  const server = await RPCServer.start({ address: process.argv[2] ?? 'tcp://127.0.0.1:*', authkey, name: 'echo-server' });
  server.publish('echo', new Echo());
  console.log(server.address);
  await server.closed;
  console.error(`echo-server: closed by a client, exiting`);
}
