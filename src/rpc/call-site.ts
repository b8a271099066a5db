/**
 * Where a call was made, so that its failure points at the caller's line. A call's error is
 * created where the reply, the timer or the disconnection is handled, so its own stack holds only
 * zeroproc's receive loop or timer. A `'sync'` call's Promise comes from {@link atCaller}, an
 * async function that the caller awaits: an error re-thrown from there gets V8's async stack,
 * which names the awaiting functions up to the caller's own line. That costs one async hop per
 * call, where capturing a stack when each call is sent cost 3-6 us per call on this 2-core machine
 * (Error.captureStackTrace in a loop, 2026-12-04), too much for the pipelined path. zeroproc's
 * own frames are left out of both the local and the remote part.
 */
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../package-root.js';

let ownPrefixes: string[] | undefined;

/** Whether a stack line is a frame of zeroproc's own code (this package's src/, dist/ or children/). */
function isOwnFrame(line: string): boolean {
  if (!ownPrefixes) {
    const root = packageRoot();
    ownPrefixes = root ? ['src', 'dist', 'children'].flatMap((d) => [`${root}/${d}/`, `${pathToFileURL(root).href}/${d}/`]) : [];
  }
  return line.trimStart().startsWith('at ') && ownPrefixes.some((p) => line.includes(p));
}

/** `stack` without zeroproc's own frames (the first line, the message, is kept). */
export function withoutOwnFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line, i) => i === 0 || !isOwnFrame(line))
    .join('\n');
}

/** Resolves as `reply` does; a failure is re-thrown with the awaiting caller's frames. */
export async function atCaller<T>(reply: Promise<T>): Promise<T> {
  try {
    return await reply;
  } catch (err) {
    throw err instanceof Error ? restacked(err) : err;
  }
}

/**
 * A copy of `error` (the same error may fail many calls at once) whose stack is its first line,
 * then the frames that lead to here, then what followed its own frames before (a RemoteError's
 * remote stack).
 */
function restacked<E extends Error>(error: E): E {
  const here: { stack?: string } = {};
  Error.captureStackTrace(here, atCaller);
  const copy = new Error(error.message) as E;
  Object.setPrototypeOf(copy, Object.getPrototypeOf(error));
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  const own = typeof error.stack === 'string' ? error.stack : '';
  const remoteAt = own.indexOf('\n    --- ');
  const frames = withoutOwnFrames(here.stack ?? '').split('\n').slice(1).join('\n');
  copy.stack = `${error.name}: ${error.message}\n${frames}${remoteAt >= 0 ? own.slice(remoteAt) : ''}`;
  return copy;
}
