/**
 * Warehouse (after Pyro's warehouse sample, phase 2): the warehouse registers itself on a name
 * server, and visitors in other processes find it by name (`example.warehouse`) instead of being
 * handed an address.
 * Run: npx tsx examples/names-warehouse.ts
 */
import { spawn, startNameServer } from 'zeroproc';

type Named = typeof import('./modules/named.js');
const named = new URL('./modules/named.ts', import.meta.url).href;

// One name server for this run; children inherit ZEROPROC_NAMESERVER and the run's key.
await using ns = await startNameServer({ address: 'tcp://127.0.0.1:*' });
process.env.ZEROPROC_NAMESERVER = ns.address;

await using janet = await spawn({ name: 'janet' });
await using henry = await spawn({ name: 'henry' });
// declared last, stopped first: the warehouse says goodbye to visitors that are still there
await using store = await spawn({ name: 'warehouse' });
await (await store.import<Named>(named)).serveWarehouse();
console.log(`registered: ${ns.entries().map((e) => e.name).join(', ')}`);

console.log(`after janet: ${(await (await janet.import<Named>(named)).visit(['lamp'], ['laptop'])).join(', ')}`);
console.log(`after henry: ${(await (await henry.import<Named>(named)).visit(['bicycle pump'], ['lamp', 'couch'])).join(', ')}`);
try {
  await (await henry.import<Named>(named)).visit([], ['laptop']);
} catch (err) {
  console.log(`henry again: ${(err as Error).name}: ${(err as Error).message}`); // a RangeError, its class kept
}
