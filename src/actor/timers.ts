/**
 * `interval` and `later`: timers that deliver tells to an actor through its mailbox (never
 * calling a handler directly), and that end when that actor, or the actor that started them,
 * stops.
 */
import { report } from '../diagnostics.js';
import { InvalidArgumentError } from '../errors.js';
import { MAX_DELAY_MS } from '../delays.js';
import { currentCall } from '../rpc/call-context.js';
import { isProxy, proxyState, withOptions } from '../rpc/proxy.js';
import type { AnyRemote } from '../rpc/types.js';
import { ActorContext, type ActorCell } from './actor-cell.js';
import { CellClient } from './actor-ref.js';

/** A running `interval` or `later`. */
export interface TimerHandle {
  /** Stops the timer; no tell is sent after this returns. */
  stop(): void;
  /** Whether it was stopped (or, for `later`, has fired). */
  readonly stopped: boolean;
}

/** Methods of the actor behind reference `R` (what a timer may send). */
type MethodOf<R> = { [K in keyof R]: R[K] extends (...args: never[]) => unknown ? K : never }[keyof R] & string;
type ArgsOf<R, K extends keyof R> = R[K] extends (...args: infer A) => unknown ? A : never;

function start<R extends AnyRemote, K extends MethodOf<R>>(fn: string, repeat: boolean, ms: number, ref: R, method: K, args: unknown[]): TimerHandle {
  if (!(typeof ms === 'number' && ms >= 1 && ms <= MAX_DELAY_MS)) throw new InvalidArgumentError(`${fn}: \`ms\` must be 1 to ${MAX_DELAY_MS} ms, got ${String(ms)}`);
  if (!isProxy(ref)) throw new InvalidArgumentError(`${fn}: expected an actor reference, got ${ref === null ? 'null' : typeof ref}`);
  if (typeof method !== 'string') throw new InvalidArgumentError(`${fn}: \`method\` must be a method name, got ${typeof method}`);
  const target = withOptions(ref, { mode: 'off' }) as unknown as Record<string, (...a: unknown[]) => void>;
  const cells = new Set<ActorCell>();
  const client = proxyState(ref)!.ref.client;
  if (client instanceof CellClient) cells.add(client.cell);
  const context = currentCall();
  if (context instanceof ActorContext) cells.add(context.cell);
  let timer: NodeJS.Timeout | undefined;
  const handle: TimerHandle = {
    get stopped() {
      return timer === undefined;
    },
    stop() {
      if (timer === undefined) return;
      if (repeat) clearInterval(timer);
      else clearTimeout(timer);
      timer = undefined;
      for (const cell of cells) cell.timers.delete(handle);
    },
  };
  const fire = (): void => {
    if (!repeat) handle.stop();
    try {
      target[method]!(...args);
    } catch (err) {
      // the actor's process is gone: no later tick can reach it either
      handle.stop();
      report('warn', `${fn}(${ms}, ..., ${JSON.stringify(method)}): the actor cannot be reached, timer stopped`, err);
    }
  };
  timer = repeat ? setInterval(fire, ms) : setTimeout(fire, ms);
  for (const cell of cells) cell.timers.add(handle);
  return handle;
}

/**
 * Sends `ref.method(...args)` as a tell every `ms` ms, through the actor's mailbox, until
 * `stop()`, or until that actor or the actor that called `interval` stops.
 */
export function interval<R extends AnyRemote, K extends MethodOf<R>>(ms: number, ref: R, method: K, ...args: ArgsOf<R, K>): TimerHandle {
  return start('interval', true, ms, ref, method, args);
}

/** Sends `ref.method(...args)` as a tell once, `ms` ms from now (unless stopped first). */
export function later<R extends AnyRemote, K extends MethodOf<R>>(ms: number, ref: R, method: K, ...args: ArgsOf<R, K>): TimerHandle {
  return start('later', false, ms, ref, method, args);
}
