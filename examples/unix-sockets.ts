/**
 * Unix sockets: the network example over `ipc://` endpoints (files under the temp directory)
 * instead of TCP. The parent serves an object on an ipc socket; a spawned child, itself bound
 * to an ipc socket, connects to it by address, is refused with a wrong key, uses it with the
 * right one, and shuts it down remotely. Run: npx tsx examples/unix-sockets.ts
 *
 * A socket in a shared directory such as /tmp can be reached by any local user, so its link is
 * CURVE like TCP. zeroproc's own sockets (a child's server by default, the callback server) live
 * in a private 0700 directory instead, where the kernel admits only this user and no key is used.
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RPCServer, spawn } from 'zeroproc';
import { Echo } from './modules/echo-server.js';

type Visitor = typeof import('./modules/visitor.js');
const AUTHKEY = 'a key for the ipc example';
const serverSocket = join(tmpdir(), `zeroproc-example-${process.pid}-echo.sock`);
const childSocket = join(tmpdir(), `zeroproc-example-${process.pid}-visitor.sock`);
const hidePid = (text: string) => text.replaceAll(String(process.pid), '<pid>');

// A server on an ipc socket in the shared temp directory: its link is CURVE from the authkey,
// so a local process of another user, or one without the key, is refused at the handshake.
const server = await RPCServer.start({ address: `ipc://${serverSocket}`, authkey: AUTHKEY, name: 'echo-server' });
server.publish('echo', new Echo());
console.log(`server listens on ${hidePid(server.address)}; socket file exists: ${existsSync(serverSocket)}`);

// A child whose own server binds an ipc socket rather than a TCP port.
const child = await spawn({ name: 'visitor', address: `ipc://${childSocket}` });
try {
  console.log(`child ${child.name} (pid ${child.pid}) serves on ${hidePid(child.address)}`);
  const visitor = await child.import<Visitor>(new URL('./modules/visitor.ts', import.meta.url).href);
  for (const line of await visitor.visit(server.address, AUTHKEY)) console.log(`${child.name}: ${line}`);
  await server.closed; // settled by the child's closeServer()
  console.log('server closed remotely');
} finally {
  await child.stop();
  await server.close(); // a no-op when already closed
  // ZeroMQ leaves the socket files behind when a socket closes (reported as a zeroproc issue):
  // remove them.
  for (const file of [serverSocket, childSocket]) rmSync(file, { force: true });
}
