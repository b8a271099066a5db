import type { Socket } from 'zeromq';
import { Outbox, type Destination } from './outbox.js';

/**
 * What every zeroproc socket has: the socket, its one send queue, and an orderly close. The
 * DEALER and ROUTER links add their receive loops and addressing.
 */
export abstract class Link<S extends Socket & { send(frames: Buffer[]): Promise<void> }> {
  protected readonly outbox: Outbox;
  protected closed = false;

  protected constructor(
    readonly socket: S,
    onSendError: (error: unknown, dest: Destination, messages: number) => void,
  ) {
    this.outbox = new Outbox((frames) => socket.send(frames), onSendError);
  }

  /** Sets how many bytes may wait to be sent to one peer (see `OutboxLimits.maxQueuedBytes`). */
  limitQueuedBytes(maxQueuedBytes: number): void {
    this.outbox.limitQueuedBytes(maxQueuedBytes);
  }

  /** Resolves when everything queued so far was handed to ZeroMQ. */
  flushed(): Promise<void> {
    return this.outbox.whenIdle();
  }

  /** Drops what is still queued and closes the socket (linger 0: nothing holds the process). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.close();
    this.socket.close();
    this.afterClose();
  }

  /** Clean-up a link needs once its socket is closed. */
  protected afterClose(): void {}
}
