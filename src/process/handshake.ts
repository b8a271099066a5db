/**
 * Parent side of the start-up exchange: send the child its config, then wait for the first of
 * its ready message, its start-up error, its exit, or the start timeout. Every failure becomes a
 * {@link SpawnError}; the caller ends the child.
 */
import type { ChildProcess } from 'node:child_process';
import { SpawnError, TimeoutError, type ExitInfo } from '../errors.js';
import { isChildMessage, type ChildConfig, type ChildReady } from './bootstrap-protocol.js';
import type { ChildEnd } from './child-exit.js';

/** What {@link handshake} needs besides the child. */
export interface HandshakeOptions {
  name: string;
  timeout: number;
  /** Settles when the child exited. */
  exited: Promise<ChildEnd>;
}

function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** Runs the exchange; resolves with the child's resolved address and pid. */
export function handshake(child: ChildProcess, config: ChildConfig, opts: HandshakeOptions): Promise<ChildReady> {
  return new Promise<ChildReady>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      outcome();
    };
    const onMessage = (message: unknown): void => {
      if (!isChildMessage(message)) return;
      if (message.type === 'ready') finish(() => resolve(message));
      else finish(() => reject(new SpawnError(`${opts.name} failed to start: ${message.message}`, message.stack)));
    };
    const timer = setTimeout(() => {
      const cause = new TimeoutError(`${opts.name} did not report ready within ${opts.timeout} ms`);
      finish(() => reject(new SpawnError(cause.message, undefined, { cause })));
    }, opts.timeout);

    child.on('message', onMessage);
    void opts.exited.then(({ exit, stderrTail }) => {
      const tail = stderrTail.length > 0 ? `:\n  ${stderrTail.join('\n  ')}` : '';
      finish(() => reject(new SpawnError(`${opts.name} ${describeExit(exit)} during start-up${tail}`)));
    });
    child.send(config, (error) => {
      if (error) finish(() => reject(new SpawnError(`cannot send ${opts.name} its start-up config: ${error.message}`, undefined, { cause: error })));
    });
  });
}
