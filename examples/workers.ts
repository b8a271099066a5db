/**
 * Workers (after Pyro's distributed-computing example): a dispatcher process holds a queue of
 * work, N worker processes pull items from it and put results back, and the parent gathers them.
 * Halfway through, one worker is killed: what it held goes back in the queue, and the others
 * finish the work. Run: npx tsx examples/workers.ts
 */
import { spawn, type ProcessHandle } from 'zeroproc';
import { factorize } from './modules/primes.js';

type DispatcherModule = typeof import('./modules/dispatcher.js');
type WorkerModule = typeof import('./modules/worker.js');

const WORKERS = 3;
const ITEMS = 24;
const here = (path: string) => new URL(path, import.meta.url).href;

const dispatcherProc = await spawn({ name: 'dispatcher' });
const workers: ProcessHandle[] = await Promise.all(Array.from({ length: WORKERS }, (_, i) => spawn({ name: `worker-${i + 1}` })));
try {
  // The dispatcher object lives in its own process; we hold a proxy to it.
  const { Dispatcher } = await dispatcherProc.import<DispatcherModule>(here('./modules/dispatcher.ts'));
  const dispatcher = await new Dispatcher();
  const items = Array.from({ length: ITEMS }, (_, id) => ({ id, n: 1_000_000_007 + id * 7_919 }));
  await dispatcher.submit(items);

  // When a worker dies, whatever it held goes back in the queue.
  const victim = workers[1]!;
  victim.on('exit', (exit) => {
    void dispatcher.requeue(victim.name).then((ids) => {
      console.log(`${victim.name} (pid ${exit.pid}) died (${exit.signal ?? `code ${exit.code}`}); re-queued item(s) ${ids.join(', ')}`);
    });
  });

  // Each worker gets the dispatcher proxy and pulls work until the queue is empty. The victim is
  // very slow, so it is sure to be in the middle of an item when it is killed.
  const runs = workers.map(async (w) => {
    const mod = await w.import<WorkerModule>(here('./modules/worker.ts'));
    return mod.work(dispatcher, w === victim ? 60_000 : 40);
  });

  // Halfway: kill a worker while it holds an item.
  const { done, holding } = await dispatcher.progress(ITEMS / 2, victim.name);
  console.log(`${done} of ${ITEMS} done; killing ${victim.name} (pid ${victim.pid}) while it holds item(s) ${holding.join(', ')}`);
  await victim.kill();

  const outcomes = await Promise.allSettled(runs);
  outcomes.forEach((o, i) => {
    const name = workers[i]!.name;
    if (o.status === 'fulfilled') console.log(`${name} finished after ${o.value} item(s)`);
    else console.log(`${name} failed: ${(o.reason as Error).name}: ${(o.reason as Error).message.split('\n')[0]}`);
  });

  // Gather the results and check them against a local computation.
  const results = await dispatcher.allResults();
  const ids = results.map((r) => r.id).join(',');
  const correct = results.every((r) => r.factors.join('*') === factorize(r.n).join('*'));
  console.log(`results: ${results.length} of ${ITEMS}, each item once: ${ids === items.map((i) => i.id).join(',')}, all correct: ${correct}`);
  for (const r of results.slice(0, 3)) console.log(`  item ${r.id}: ${r.n} = ${r.factors.join(' x ')} (by ${r.worker})`);
  const byWorker = new Map<string, number>();
  for (const r of results) byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + 1);
  console.log(`per worker: ${[...byWorker].sort().map(([w, n]) => `${w}=${n}`).join(' ')}`);
} finally {
  await Promise.all([dispatcherProc, ...workers].map((p) => p.stop()));
}
