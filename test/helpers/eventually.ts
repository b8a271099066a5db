/**
 * Resolves once `condition()` holds, checking every few ms; rejects after `timeoutMs`. For what
 * another thread or process reports in its own time (a monitor event, a diagnostic), not a sleep.
 */
export async function eventually(condition: () => boolean, timeoutMs = 5_000, what = 'the condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
