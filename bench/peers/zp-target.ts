// The module a TypeScript zeroproc child imports in the spawn case: a .ts file, so tsx must run it.
export function echo<T>(x: T): T {
  return x;
}
