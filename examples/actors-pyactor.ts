/**
 * PyActor's tutorial samples, ported: tell, ask, timeout, lookup, references, self/host,
 * futures, callbacks, parallel methods, intervals, stopping an actor; first with the host in this
 * process, then the same actors in a child's host. Run: npx tsx examples/actors-pyactor.ts
 */
import { ActorStoppedError, RemoteError, TimeoutError, connectHost, createHost, spawn, withOptions, type Future } from 'zeroproc';
import { Bot, Counter, Downloader, Echo } from './modules/actors.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const host = await createHost();

// 1. tell: fire-and-forget, ordered in the actor's mailbox
const echo = await host.spawn('echo1', Echo);
echo.echo('hello');
// 2. ask: waits for the answer (10 s default timeout)
console.log(`ask: ${await echo.say()}`);
// 3. timeout: a per-call timeout through withOptions
try {
  await withOptions(echo, { timeout: 50 }).slow(300);
} catch (err) {
  console.log(`timeout: ${(err as Error).name} ${(err as TimeoutError).message}`);
}
// 4. lookup: by id in the host
console.log(`lookup: ${await host.lookup<typeof Echo>('echo1').say()} (actors: ${host.actors().join(', ')})`);
// 5./7. references: an actor holding another's reference; an actor spawning one through its host
const bot = await host.spawn('bot1', Bot);
bot.setEcho(echo);
bot.relay('a message');
const made = await bot.spawnEcho('echo2');
console.log(`reference from an actor: ${await made.say()}`);
// 8. futures: the answer later, polled or awaited
const future = withOptions(echo, { mode: 'async' }).slow(20) as Future<number>;
console.log(`future done at once: ${future.done()}, result: ${await future.result(1_000)}`);
// 9. callbacks
await new Promise<void>((resolve) => {
  (withOptions(echo, { mode: 'async' }).say() as Future<string>).addCallback((f) => {
    void f.then((v) => console.log(`callback: ${v}`)).then(resolve);
  });
});
// 10. parallel: status() answers while download() awaits
const files = await host.spawn('files', Downloader);
const download = files.download('big.iso', 200);
console.log(`parallel: status while downloading: ${await files.status()}`);
console.log(`parallel: ${await download}, then ${await files.status()}`);
// 11. intervals
const counter = await host.spawn('counter', Counter);
counter.startTicking(10);
await sleep(120);
console.log(`interval: ticked ${(await counter.stopTicking()) >= 5 ? 'at least 5' : 'fewer than 5'} times`);
// stopping: queued asks fail with a typed error naming the actor; the id can be reused
const slow = echo.slow(100);
const queued = echo.say().catch((err: unknown) => `${(err as ActorStoppedError).name}: ${(err as Error).message}`);
await sleep(20); // slow() is running, say() waits behind it
await host.stopActor('echo1');
console.log(`stopped: the running slow() finished (${await slow}); the queued say() got ${await queued}`);
const again = await host.spawn('echo1', Echo);
console.log(`respawned: ${await again.say()}`);
await host.shutdown();

// The same actors in a child process's host, spawned by module specifier
const proc = await spawn({ name: 'actor-host' });
try {
  const far = await connectHost(proc);
  const remoteEcho = await far.spawn<typeof Echo>('far-echo', new URL('./modules/actors.ts', import.meta.url).href + '#Echo');
  remoteEcho.echo('hello from the parent');
  console.log(`child host: ${await remoteEcho.say()} (actors: ${(await far.actors()).join(', ')})`);
  await far.stopActor('far-echo');
  // the child's ActorStoppedError keeps its class across the process boundary
  await remoteEcho.say().catch((err: unknown) => console.log(`child host after stop: ${err instanceof ActorStoppedError ? 'ActorStoppedError' : 'another error'} ${(err as RemoteError).remoteCode}`));
} finally {
  await proc.stop();
}
