/**
 * Circular (after Pyro's circular sample): three links in three processes, each knowing only the
 * NAME of the next one. A message goes round the circle, each link looking the next one up on the
 * name server, until it comes back where it started.
 * Run: npx tsx examples/names-circular.ts
 */
import { lookup, spawn, startNameServer } from 'zeroproc';

type Named = typeof import('./modules/named.js');
type Link = import('./modules/named.js').Link;
const named = new URL('./modules/named.ts', import.meta.url).href;

await using ns = await startNameServer({ address: 'tcp://127.0.0.1:*' });
process.env.ZEROPROC_NAMESERVER = ns.address;

const circle = [['A', 'B'], ['B', 'C'], ['C', 'A']] as const;
const procs = await Promise.all(circle.map(([name]) => spawn({ name: `link-${name}` })));
try {
  await Promise.all(circle.map(async ([name, next], i) => (await procs[i]!.import<Named>(named)).serveLink(name, next)));
  const first = await lookup<Link>('example.chain.A');
  console.log(`the message went ${(await first.pass([])).join(' -> ')}`);
} finally {
  await Promise.all(procs.map((p) => p.stop()));
}
