/**
 * Makes a zeroproc child's stdout and stderr synchronous, so the lines it writes just before
 * `process.exit()` or a crash reach its parent.
 *
 * The spawner reads a child's stdout and stderr through pipes (on Linux libuv creates them as
 * Unix socketpairs). On POSIX, Node writes to a pipe without blocking: once the kernel buffer is
 * full (the parent reads later than the child writes; a small write costs about 768 bytes of the
 * ~208 KiB socket buffer, so a few hundred lines fill it), `write()` only queues the bytes in the
 * stream and the event loop sends them later. `process.exit()` and an uncaught exception end the
 * process without running the loop again, and everything still queued is lost: the parent sees
 * the output stop in the middle (while an uncaught exception's stack, printed by Node straight to
 * fd 2, still arrives).
 *
 * In blocking mode each `write()` hands its bytes to the pipe before it returns, so nothing is
 * ever queued in the process. Node already writes this way to terminals and files (and to pipes
 * on Windows). The price is the one those have: a child that writes faster than its parent
 * reads waits for it.
 */

/** The part of a libuv stream handle (`process.stdout._handle`) used here. */
interface StreamHandle {
  setBlocking?: (blocking: boolean) => number;
}

let applied = false;

/**
 * Puts this process's stdout and stderr in blocking mode when they are pipes or sockets (a
 * terminal is already blocking, a file is written synchronously). Idempotent. Call it before the
 * process writes much: bytes already queued when it is called still leave through the event loop.
 * Returns the streams it could not switch (a stream that is not a pipe is not listed).
 */
export function makeStdioSynchronous(): Array<'stdout' | 'stderr'> {
  const failed: Array<'stdout' | 'stderr'> = [];
  if (applied) return failed;
  applied = true;
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name] as NodeJS.WriteStream & { _handle?: StreamHandle; _type?: string };
    // `_type` is 'pipe' for pipes and sockets, 'tty' for terminals, 'fs' for files
    if (stream._type !== 'pipe') continue;
    const handle = stream._handle;
    if (typeof handle?.setBlocking !== 'function' || handle.setBlocking(true) !== 0) failed.push(name);
  }
  return failed;
}
