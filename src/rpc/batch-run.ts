/**
 * The server's side of an explicit batch (a `batch` request): its calls run one after the other,
 * each awaited before the next starts, and the first failure stops it.
 */
import { CancelledError } from '../errors.js';
import type { BatchCall, BatchReply } from './messages.js';
import { encodableError, SystemFailure } from './reply-errors.js';

/**
 * Runs `calls` in order with `runOne`, stopping at the first error or once `signal` is aborted
 * (the caller cancelled or gave up): the results so far, and what stopped it.
 */
export async function runBatch(calls: readonly BatchCall[], signal: { readonly aborted: boolean }, runOne: (call: BatchCall) => unknown): Promise<BatchReply> {
  const results: unknown[] = [];
  for (const call of calls) {
    if (signal.aborted) return failed(results, new SystemFailure(new CancelledError(`the batch was cancelled by its caller after ${results.length} of ${calls.length} calls`)));
    try {
      results.push(await runOne(call));
    } catch (err) {
      return failed(results, err);
    }
  }
  return { results };
}

function failed(results: unknown[], err: unknown): BatchReply {
  if (err instanceof SystemFailure) return { results, error: encodableError(err.error), sys: err.error.code };
  return { results, error: err instanceof Error ? err : encodableError(err) };
}
