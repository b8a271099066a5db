/** What a receive loop needs of a zeromq.js socket. */
interface Receiver {
  readonly closed: boolean;
  receive(): Promise<Buffer[]>;
}

/**
 * Hands each message `socket` receives to `handle` until the socket closes; rejects, ending the
 * loop, on a receive error of an open socket or when `handle` throws (handlers catch their own). Not `for await`: a suspended async function keeps its locals,
 * so a loop variable would hold the last message (its attachments maybe megabytes) until the
 * next one arrives, and with it the external memory that makes V8 run full collections.
 */
export async function receiveEach(socket: Receiver, handle: (frames: Buffer[]) => void): Promise<void> {
  try {
    while (!socket.closed) handle(await socket.receive());
  } catch (err) {
    if (!socket.closed) throw err;
  }
}
