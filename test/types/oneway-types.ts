/**
 * Compile-time checks of oneway methods on Remote<T>: a method a class declares oneway returns
 * nothing on its proxies (as an actor's tell does). Never executed.
 */
import { withOptions, type Remote } from '../../src/index.js';

class Logger {
  static oneway = ['log'] as const;
  // names the class as the instance's constructor, so Remote<Logger> sees `static oneway`
  declare ['constructor']: typeof Logger;
  lines: string[] = [];
  log(line: string): number {
    return this.lines.push(line);
  }
  count(): number {
    return this.lines.length;
  }
  child(): Logger {
    return new Logger();
  }
}

class Undeclared {
  log(line: string): number {
    return line.length;
  }
}

declare const logger: Remote<Logger>;
const sent: void = logger.log('hello');
// @ts-expect-error a oneway method returns nothing: there is no result to wait for
void logger.log('hello').then(() => undefined);
// @ts-expect-error nor a number
const n: number = await logger.log('x');
const counted: Promise<number> = logger.count();
// objects returned by reference keep their class's declaration
const child = await logger.child();
const again: void = child.log('x');
// whatever the mode, a oneway method returns nothing
const inAsync: void = withOptions(logger, { mode: 'async' }).log('x');

declare const plain: Remote<Undeclared>;
const answered: Promise<number> = plain.log('x');

export { sent, n, counted, again, inAsync, answered };
