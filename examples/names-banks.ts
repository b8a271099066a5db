/**
 * Banks (after Pyro's banks sample): two banks register under the prefix `example.banks.`; the
 * client finds them all with `list(prefix)`, without knowing how many there are or where.
 * Run: npx tsx examples/names-banks.ts
 */
import { list, lookup, RemoteError, spawn, startNameServer } from 'zeroproc';

type Named = typeof import('./modules/named.js');
type Bank = import('./modules/named.js').Bank;
const named = new URL('./modules/named.ts', import.meta.url).href;

await using ns = await startNameServer({ address: 'tcp://127.0.0.1:*' });
process.env.ZEROPROC_NAMESERVER = ns.address;

await using rabo = await spawn({ name: 'rabobank' });
await using abn = await spawn({ name: 'abn-amro' });
await (await rabo.import<Named>(named)).openBank('Rabobank', 'NL');
await (await abn.import<Named>(named)).openBank('ABN', 'NL');

const entries = await list('example.banks.');
console.log(`banks: ${entries.map((e) => `${e.name} (${e.metadata.country})`).join(', ')}`);
for (const entry of entries) {
  const bank = await lookup<Bank>(entry.name);
  for (const holder of ['Irmen', 'Suzy']) await bank.open(holder);
  await bank.deposit('Irmen', 5000);
  await bank.deposit('Suzy', 1000);
  await bank.withdraw('Irmen', 200);
  try {
    await bank.withdraw('Suzy', 4000);
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    console.log(`refused: ${err.remoteMessage}`);
  }
  console.log(`${entry.name}: ${JSON.stringify(await bank.statement())}`);
}
