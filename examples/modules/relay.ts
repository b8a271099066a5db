/** A module the callbacks example imports in each of its children. */
import { getProcessName } from 'zeroproc';

/** Who is running this code: the name the parent gave the child, and its pid. */
export function whoami(): string {
  return `${getProcessName()}:${process.pid}`;
}

/**
 * Counts down, calling `onTick` for every step. `onTick` is a function that lives in the caller's
 * process: each call travels back there, and awaiting it waits for the caller's answer.
 */
export async function countdown(from: number, onTick: (n: number, where: string) => string | Promise<string>): Promise<string[]> {
  const answers: string[] = [];
  for (let n = from; n > 0; n--) answers.push(await onTick(n, whoami()));
  return answers;
}

/**
 * What a player needs from the other one. A local Player and a proxy to a remote one both fit:
 * a proxy has the same methods, each returning a Promise.
 */
export interface Volleyer {
  volley(n: number, other: Volleyer, trail?: string[]): Promise<string[]>;
}

/** One side of a rally: each volley goes to the other player, who sends it back. */
export class Player implements Volleyer {
  async volley(n: number, other: Volleyer, trail: string[] = []): Promise<string[]> {
    trail = [...trail, `${whoami()} hits ${n}`];
    if (n === 0) return trail;
    // `this` is a class instance, so it travels by reference: the other process gets a proxy
    // to this very object and calls back into this process while we wait for its answer.
    return other.volley(n - 1, this, trail);
  }
}

export const player = new Player();
