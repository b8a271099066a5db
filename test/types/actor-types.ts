/**
 * Compile-time checks of actor references: `npm test` runs `tsc --noEmit`, which fails if a line
 * here stops type-checking or an `@ts-expect-error` line stops being an error. Never executed.
 */
import { Actor, createHost, interval, later, withOptions, type Future, type HostRef, type RefOf } from '../../src/index.js';

class Echo extends Actor {
  static tell = ['echo'] as const;
  count = 0;
  echo(msg: string): void {
    void msg;
  }
  say(times: number): string {
    return 'hi'.repeat(times);
  }
  async later(): Promise<number> {
    return 1;
  }
}

class Counter extends Actor {
  constructor(readonly start: number) {
    super();
  }
}

declare const echo: RefOf<typeof Echo>;
declare const far: HostRef;
declare function assertType<T>(value: T): void;

export async function checks(): Promise<void> {
  // asks return Promises of their (awaited) results, tells nothing, attributes are awaitable
  assertType<Promise<string>>(echo.say(2));
  assertType<Promise<number>>(echo.later());
  assertType<void>(echo.echo('hello'));
  assertType<number>(await echo.count);
  assertType<Future<string>>(withOptions(echo, { mode: 'async' }).say(1));

  // @ts-expect-error an ask on a method the actor does not have
  await echo.missing();
  // @ts-expect-error wrong argument types
  await echo.say('twice');
  // @ts-expect-error a tell's result is nothing: awaiting it gives nothing to use
  (await echo.echo('x')).length;
  // @ts-expect-error a tell takes its method's arguments
  echo.echo(1);
  // @ts-expect-error lifecycle hooks and plumbing are not messages
  void echo.onStart;

  const host = await createHost();
  assertType<RefOf<typeof Echo>>(await host.spawn('echo', Echo));
  await host.spawn('counter', Counter, 5);
  // @ts-expect-error constructor arguments are checked when spawning by class
  await host.spawn('counter', Counter, 'five');
  assertType<RefOf<typeof Echo>>(await far.spawn<typeof Echo>('echo', './echo.js#Echo'));

  interval(10, echo, 'echo', 'tick').stop();
  later(10, echo, 'say', 2);
  // @ts-expect-error timers name a method of the actor
  interval(10, echo, 'nope');
  // @ts-expect-error ... and pass its arguments
  interval(10, echo, 'echo', 3);
}
