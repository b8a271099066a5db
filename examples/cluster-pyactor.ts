/**
 * PyActor's remote tutorial samples 1-4 and 9, ported: (1) a server host and a client, (2) ask,
 * (3) remote spawn, (4) a registry, (9) several hosts. Each host is a `zeroproc host` daemon (here
 * on loopback; on real machines see docs/CLUSTER.md), all holding one cluster key.
 * Run: npx tsx examples/cluster-pyactor.ts
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectHost, lookupUrl, release, setDefaultAuthkey, type HostRef } from 'zeroproc';
import type { Coordinator, Echo, Registry } from './modules/cluster-actors.js';
import { startHosts } from './modules/hosts.js';

const actors = new URL('./modules/cluster-actors.ts', import.meta.url).href;
// the cluster key: every machine holds it; as this process's default key it also reaches the
// references that one machine hands to another
const authkey = randomBytes(32).toString('base64');
setDefaultAuthkey(authkey);
await using hosts = await startHosts(['server', 'host2', 'host3'], { authkey, allow: [`${dirname(fileURLToPath(actors))}/`] });
const [server, host2, host3] = hosts.addresses as [string, string, string];

// 1. server/client: the server's host runs echo1; a client finds it by URL and tells it
const serverHost = await connectHost(server);
await serverHost.spawn('echo1', `${actors}#Echo`);
const echo = await lookupUrl<typeof Echo>(`${server}/echo1`);
echo.echo('hello from the client');
// 2. ask: an answer across the network (after the tell: one mailbox, in order)
console.log(`2 ask: ${await echo.say()}`);
// 3. remote spawn: the client creates an actor in the server's host, by module and export
const echo2 = await serverHost.spawn<typeof Echo>('echo2', `${actors}#Echo`);
console.log(`3 remote spawn: ${await echo2.say()} (server runs ${(await serverHost.actors()).join(', ')})`);
// 4. registry: host2's host is bound in a registry actor on the server; whoever looks it up there can spawn in it
const registry = await serverHost.spawn<typeof Registry>('registry', `${actors}#Registry`);
await registry.bind('host2', await connectHost(host2));
const found = (await registry.lookup('host2')) as HostRef;
const echo3 = await found.spawn<typeof Echo>('echo3', `${actors}#Echo`);
console.log(`4 registry: bound ${(await registry.names()).join(', ')}; ${await echo3.say()}`);
// 9. multiple hosts: a coordinator on host3 spawns workers on the server and host2 and spreads work over them
const coordinator = await (await connectHost(host3)).spawn<typeof Coordinator>('coordinator', `${actors}#Coordinator`);
console.log(`9 multiple hosts: ${await coordinator.run([server, host2], [1, 2, 3, 4])}`);
for (const ref of [echo, echo2, echo3, registry, found, coordinator, serverHost]) release(ref as never);
