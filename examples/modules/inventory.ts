/** A module the remote-objects example imports inside its child. Everything here lives in the child. */
import { getLocalServer } from 'zeroproc';

/** A class: its instances travel by reference (the parent gets a proxy). */
export class Shelf {
  readonly items: string[] = [];
  label: string;
  constructor(label: string) {
    this.label = label;
  }
  add(...items: string[]): number {
    this.items.push(...items);
    return this.items.length;
  }
  /** A plain object: travels by value (the parent gets a copy). */
  summary(): { label: string; count: number } {
    return { label: this.label, count: this.items.length };
  }
  /** Another class instance: travels by reference. */
  split(label: string): Shelf {
    const other = new Shelf(label);
    other.add(...this.items.splice(0, Math.ceil(this.items.length / 2)));
    return other;
  }
}

/** A plain object: reading it returns a copy, unless the caller asks for a reference. */
export const settings = { warehouse: { city: 'Lyon', dock: { doors: 4 } }, open: true };

/** How many objects the child's server holds for its clients right now. */
export function objectCount(): number {
  return getLocalServer()?.objectCount ?? 0;
}
