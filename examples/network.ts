/**
 * Network (after uActor's network examples): a server process listening on a TCP address with
 * an authkey, a client that connects by address, a client with the wrong key refused, and the
 * server shut down remotely by its client. Here both run on this machine over 127.0.0.1. Every
 * TCP link is CURVE: authenticated and encrypted, with keys both ends derive from the authkey.
 * Run: npx tsx examples/network.ts
 */
import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AuthError, DisconnectedError, RPCClient, RPCServer } from 'zeroproc';
import type { Echo } from './modules/echo-server.js';

const AUTHKEY = 'correct horse battery staple';

// 1. A server refuses to listen on a public address without a key (an empty key means none;
//    without the option a server takes the process's default key, random unless set): anyone
//    reaching it could run code in the process.
try {
  await RPCServer.start({ address: 'tcp://0.0.0.0:*', authkey: '' });
} catch (err) {
  console.log(`binding 0.0.0.0 without a key: ${(err as Error).name}`);
}

// 2. Start the server in its own process (a plain `node` running a script, as on another
//    machine), and read the address it bound from its first line of output.
const serverScript = fileURLToPath(new URL('./modules/echo-server.ts', import.meta.url));
const server = spawnProcess(process.execPath, ['--import', import.meta.resolve('tsx'), serverScript, 'tcp://127.0.0.1:*'], {
  env: { ...process.env, ZP_EXAMPLE_AUTHKEY: AUTHKEY },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = once(server, 'exit');
process.on('exit', () => server.kill()); // should this script fail half-way, take the server along
const [address] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
console.log(`server process pid ${server.pid} listens on ${address.replace(/:\d+$/, ':<port>')}`);

// 3. The wrong key: the CURVE handshake fails (the server cannot read a hello made for another
//    key's server key), and the client fails at once without a message ever reaching the server.
const t0 = performance.now();
try {
  await RPCClient.connect(address, { authkey: 'wrong key' });
} catch (err) {
  if (!(err instanceof AuthError)) throw err;
  console.log(`wrong key: ${err.name} [${err.code}] after ${Math.round(performance.now() - t0)} ms: ${err.message.replace(address, '<address>')}`);
}

// 4. Connect by address with the right key and use the published object.
const client = await RPCClient.connect(address, { authkey: AUTHKEY });
const echo = await client.get<Echo>('echo');
console.log(await echo.say('hello over TCP'));
console.log(`connected to ${client.server?.name} (pid ${client.server?.pid}), round trip ${(await client.ping()).toFixed(1)} ms`);
// A second client, speaking JSON instead of MessagePack, to the same server.
const other = await RPCClient.connect(address, { authkey: AUTHKEY, codec: 'json' });
console.log(await (await other.get<Echo>('echo')).say('hello in JSON'));

// 5. Remote shutdown: the server closes, its other clients are told, and its process exits.
await client.closeServer();
const [code] = await exited;
console.log(`server process exited with code ${code}`);
try {
  await other.ping();
} catch (err) {
  if (!(err instanceof DisconnectedError)) throw err;
  console.log(`the other client: ${err.name}: ${err.message.replace(address, '<address>')}`);
}
other.close();
