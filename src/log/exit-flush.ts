/**
 * Writes at process exit what log objects still hold. After `process.exit()` or an uncaught
 * exception the event loop never runs again, so anything queued for a later tick is lost unless
 * it is written synchronously in the 'exit' event.
 */

/** Something that can write what it holds synchronously. */
export interface SyncFlushable {
  flushSync(): void;
}

const registered = new Set<SyncFlushable>();
let hookInstalled = false;

function flushAll(): void {
  for (const item of registered) item.flushSync();
}

/** Flushes `item` when the process exits, until the returned function is called. */
export function flushAtExit(item: SyncFlushable): () => void {
  if (!hookInstalled) {
    hookInstalled = true;
    process.on('exit', flushAll);
  }
  registered.add(item);
  return () => void registered.delete(item);
}
