/** The worker of the workers example: pulls items from the dispatcher until there are none left. */
import { getProcessName, type Remote } from 'zeroproc';
import type { Dispatcher } from './dispatcher.js';
import { factorize } from './primes.js';

/**
 * Runs in a worker child. `dispatcher` is a proxy to the object living in the dispatcher process:
 * the parent handed it over, and this process talks to the dispatcher directly.
 */
export async function work(dispatcher: Remote<Dispatcher>, msPerItem: number): Promise<number> {
  const me = getProcessName();
  let done = 0;
  for (;;) {
    const item = await dispatcher.getWork(me);
    if (!item) return done;
    const factors = factorize(item.n);
    await new Promise((resolve) => setTimeout(resolve, msPerItem)); // pretend it is heavy
    await dispatcher.putResult({ ...item, factors, worker: me });
    done++;
  }
}
