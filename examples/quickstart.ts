/**
 * Quick start: spawn two children, import a module in each, call it in all three modes, and
 * read everything they print in one aggregated, colour-coded log. Run: npx tsx examples/quickstart.ts
 */
import { spawn, startLogServer, withOptions, getLogger } from 'zeroproc';

// The log server gathers what every process logs or prints; children find it by themselves.
const logs = await startLogServer({ dir: 'logs' });
const log = getLogger('quickstart');

const workers = await Promise.all([spawn({ name: 'worker-1' }), spawn({ name: 'worker-2' })]);
try {
  for (const worker of workers) {
    // Runs `import()` inside the child; `math` is a typed proxy to the module living there.
    const math = await worker.import<typeof import('./modules/math.js')>(new URL('./modules/math.ts', import.meta.url).href);

    // 'sync' (default): a Promise of the value.
    const sum = await math.add(2, 3);
    log.info(`${worker.name} (pid ${await math.pid}) says 2 + 3 = ${sum}`);

    // 'async': a Future at once; several calls run together in the child.
    const fast = withOptions(math, { mode: 'async' });
    const futures = [fast.slowSquare(3, 30), fast.slowSquare(4, 10)];
    log.info(`${worker.name} squares: ${(await Promise.all(futures)).join(', ')}`);

    // 'off': fire and forget; the child's console output lands in the aggregated log.
    withOptions(math, { mode: 'off' }).note('hello from the parent');
    await worker.client.ping(); // the note was sent before this round trip came back
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await logs.close();
}
log.info(`done; the same records are in ${logs.dir}/zeroproc.log (try: npx zeroproc logs -n 20)`);
