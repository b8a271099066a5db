/**
 * uActor's basic and network examples, ported: one process per actor, spawned and owned by this
 * script; a second actor process uses a forwarded reference to the first; a TCP-bound actor is
 * reached by URL with an authkey; only the owner can shut an actor process down.
 * Run: npx tsx examples/actors-uactor.ts
 */
import { randomBytes } from 'node:crypto';
import { lookupUrl, release, shutdown, spawnActor } from 'zeroproc';
import type { Greeter } from './modules/actors.js';

const module = new URL('./modules/actors.ts', import.meta.url).href;

// basic: an actor in its own process; `await using` ends the process at the end of the block
{
  await using greeter = await spawnActor<typeof Greeter>(`${module}#Greeter`, { name: 'greeter', args: ['Hello'] });
  greeter.remember('Ada');
  console.log(`basic: ${(await greeter.greet('Ada')).replace(/\d+\)$/, 'N)')}`);
  console.log(`basic: met ${(await greeter.met()).join(', ')}`);
}

// network: bound on TCP with its own authkey and found by URL from here
const authkey = randomBytes(32);
const english = await spawnActor<typeof Greeter>(`${module}#Greeter`, { name: 'english', args: ['Hello'], address: 'tcp://127.0.0.1:*', authkey });
const french = await spawnActor<typeof Greeter>(`${module}#Greeter`, { name: 'french', args: ['Bonjour'] });
const german = await spawnActor<typeof Greeter>(`${module}#Greeter`, { name: 'german', args: ['Hallo'] });
try {
  const url = await (english as unknown as { url: PromiseLike<string> }).url;
  const found = await lookupUrl<typeof Greeter>(url, { authkey });
  console.log(`network: found ${url.replace(/:\d+\//, ':PORT/')} by URL: ${(await found.greet('Grace')).replace(/\d+\)$/, 'N)')}`);
  // a reference this script did not spawn through: usable, but not ours to end
  await shutdown(found).catch((err: unknown) => console.log(`network: shutdown through a looked-up reference: ${(err as Error).name}`));
  release(found);
  // forwarded: french gets a reference to german's process and uses it directly
  console.log(`network: forwarded: ${(await french.introduce(german, 'Linus')).replace(/\d+\)$/, 'N)')}`);
  console.log(`network: german met ${(await german.met()).join(', ')}`);
} finally {
  await shutdown(english);
  await shutdown(german);
  await shutdown(french);
}
