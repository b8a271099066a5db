/** A module the quickstart imports inside its children. It runs there, not in the parent. */
import { getLogger } from 'zeroproc';

const log = getLogger('math');

export function add(a: number, b: number): number {
  log.info(`add(${a}, ${b})`);
  return a + b;
}

export async function slowSquare(x: number, ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return x * x;
}

/** Used with 'off' mode: nothing comes back, its output shows up in the aggregated log. */
export function note(text: string): void {
  console.log(`note from pid ${process.pid}: ${text}`);
}

export const pid = process.pid;
