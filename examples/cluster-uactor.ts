/**
 * uActor's networking examples, ported to host daemons: an actor process started on another
 * machine and owned by this script, its logs shown here; an actor found by address with the
 * authkey (a wrong key refused); a reference forwarded to an actor on a third machine; remote
 * shutdown of what we own, and not of the daemon. Run: npx tsx examples/cluster-uactor.ts
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDaemon, connectHost, lookupUrl, release, RPCClient, setDefaultAuthkey, startLogServer, type HostRef } from 'zeroproc';
import type { Echo, Registry } from './modules/cluster-actors.js';
import { startHosts } from './modules/hosts.js';

const actors = new URL('./modules/cluster-actors.ts', import.meta.url).href;
const authkey = randomBytes(32).toString('base64');
setDefaultAuthkey(authkey);
// records of the remote processes come here (on real machines: address 'tcp://0.0.0.0:*', over CURVE)
await using logs = await startLogServer({ dir: false, address: 'tcp://127.0.0.1:*' });
await using hosts = await startHosts(['machine-b', 'machine-c'], { authkey, allow: [`${dirname(fileURLToPath(actors))}/`, 'zeroproc'] });
const [b, c] = hosts.addresses as [string, string];

// an actor in a process of its own on machine B, owned by this script
const daemon = await connectDaemon(b, { authkey });
const proc = await daemon.spawnProcess({ name: 'echo-proc', logServer: logs.address });
// a reference to a reference loses its type parameters (Remote<T> maps methods, not generics): say it again
const procHost = (await proc.host()) as unknown as HostRef;
const echo = await procHost.spawn<typeof Echo>('echo', `${actors}#Echo`);
echo.echo('a tell that the remote process prints');
console.log(`remote process: ${await echo.say()}`);
// found by address, with the authkey; another key is refused
const url = `${await proc.address}/echo`;
const found = await lookupUrl<typeof Echo>(url, { authkey });
console.log(`by address: ${await found.say()}`);
await lookupUrl(url, { authkey: 'not the key' }).catch((err: Error) => console.log(`wrong key: ${err.name}`));
// forwarding: a registry actor on machine C gets the reference and hands it to whoever asks
const registry = await (await connectHost(c)).spawn<typeof Registry>('registry', `${actors}#Registry`);
await registry.bind('echo', echo);
const forwarded = (await registry.lookup('echo')) as typeof echo;
console.log(`forwarded through machine C: ${await forwarded.say()}`);
// remote shutdown: our process, yes; the daemon itself, no (only its operator stops it)
console.log(`stopped the remote process: exit code ${(await proc.stop()).code}`);
const client = await RPCClient.connect(b, { authkey });
await client.closeServer().catch((err: Error) => console.log(`closing the daemon: ${err.name}`));
client.close();
for (const ref of [echo, found, forwarded, registry, procHost, proc, daemon]) release(ref as never);
