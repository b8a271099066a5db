/** Pyro's batchedcalls server object (batched-calls.ts calls it in a child process). */
export class Thingy {
  multiply(a: number, b: number): number {
    return a * b;
  }
  add(a: number, b: number): number {
    return a + b;
  }
  divide(a: number, b: number): number {
    // JavaScript divides by zero quietly; Pyro's example relies on Python's ZeroDivisionError
    if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
    return a / b;
  }
  ping(): string {
    return 'pong';
  }
  /** Rejects the number 13, with a class of the standard library. */
  unlucky(n: number): number {
    if (n === 13) throw new TypeError('13 is unlucky');
    return n;
  }
}
