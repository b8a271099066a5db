/** Types of zp-target.mjs (kept plain JS so a zeroproc child imports it without tsx). */
export declare function echo<T>(x: T): T;
export declare function arm(expect: number): void;
export declare function hit(): void;
export declare function seen(): { count: number; first: string; last: string };
export declare class Item {
  constructor(n: number);
  n: number;
  value(): number;
}
export declare function makeItem(n: number): Item;
export declare function objectCount(): number;
export declare function heapUsed(): number;
