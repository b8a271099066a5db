/**
 * Callbacks: a child calls a function that lives in the parent, and two children call each
 * other back and forth (A -> B -> A -> ...) while each waits for the other's answer.
 * Run: npx tsx examples/callbacks.ts
 */
import { getLocalServer, spawn } from 'zeroproc';

type Relay = typeof import('./modules/relay.js');
const relayUrl = new URL('./modules/relay.ts', import.meta.url).href;

const [a, b] = await Promise.all([spawn({ name: 'A' }), spawn({ name: 'B' })]);
try {
  const relayA = await a.import<Relay>(relayUrl);
  const relayB = await b.import<Relay>(relayUrl);

  // 1. The child calls back into the parent. A function is always passed by reference: this
  //    process starts a small callback server on first use, and the child gets a proxy to it.
  const answers = await relayA.countdown(3, (n, where) => {
    console.log(`parent (pid ${process.pid}) got tick ${n} from ${where}`);
    return `ack ${n}`;
  });
  console.log(`countdown returned: ${answers.join(', ')}`);
  console.log(`the parent served the callback from ${getLocalServer()?.address}`);

  // 2. A chain between two children. The parent hands A a proxy to B's player; A calls B,
  //    B calls A back, and so on: each process keeps serving while it waits on the other.
  const trail = await relayA.player.volley(5, relayB.player);
  console.log(`rally between A (pid ${a.pid}) and B (pid ${b.pid}):`);
  for (const step of trail) console.log(`  ${step}`);
} finally {
  await Promise.all([a.stop(), b.stop()]);
  // The callback server should close by itself once no child references the callback; today a
  // stopped child's references are only dropped after the server's peerTimeout (60 s), which
  // keeps this script alive that long (a known zeroproc issue). Close it explicitly.
  await getLocalServer()?.close();
}
