// The module each of the 4 zeroproc children imports in the log case: it logs records through
// zeroproc's getLogger, which in a spawned child sends them to the parent's LogServer.
import { pathToFileURL } from 'node:url';

// the log layer next to the bootstrap the child runs (dist/src/... compiled, src/... under tsx)
const { getLogger, flushLogs } = await import(new URL('../src/log/index.js', pathToFileURL(process.argv[1])).href);
const log = getLogger('bench');

/**
 * Logs `count` info records, `chunk` per event-loop turn. The sender queues at most 10,000
 * records (beyond that it drops and says so), so a producer that never yields would lose
 * records by design; yielding lets the sender hand each chunk to ZeroMQ. Resolves once every
 * record has been handed to ZeroMQ.
 */
export async function burst(count, chunk = 1000) {
  for (let i = 0; i < count; ) {
    const end = Math.min(count, i + chunk);
    for (; i < end; i++) log.info('bench record %d', i);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await flushLogs();
  return count;
}
