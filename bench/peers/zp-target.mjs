// The module a zeroproc child imports in the rpc, payload and proxy cases (plain JS, so the child
// stays on bare node). It answers calls, counts one-way calls, and hands out objects by reference.
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Sequential, pipelined and payload cases: the argument comes straight back. */
export function echo(x) {
  return x;
}

// ---- one-way calls (case 3): the callee counts and timestamps them ----

let expected = 0;
let count = 0;
let first = 0n;
let last = 0n;

/** Resets the counter before a sample of `expect` one-way calls. */
export function arm(expect) {
  expected = expect;
  count = 0;
  first = 0n;
  last = 0n;
}

/** The one-way call itself. */
export function hit() {
  const now = process.hrtime.bigint();
  if (count === 0) first = now;
  count++;
  if (count === expected) last = now;
}

/**
 * What the callee saw: calls executed, and the monotonic clock (CLOCK_MONOTONIC, the same clock
 * in every process of this machine) at the first and at the last of the expected calls, in ns as
 * strings (bigint travels too, but a string keeps this module codec-agnostic).
 */
export function seen() {
  return { count, first: first.toString(), last: last.toString() };
}

// ---- proxies (case 7) ----

export class Item {
  constructor(n) {
    this.n = n;
  }
  value() {
    return this.n;
  }
}

/** A class instance: it goes by reference, so the caller gets a proxy and the server an object id. */
export function makeItem(n) {
  return new Item(n);
}

// The child's RPC server is its local server. It lives in whichever copy of src/rpc/local the
// bootstrap loaded (dist/src/... for the compiled bootstrap, src/... under tsx); both sit at
// ../src/rpc/local.js from the bootstrap script, which is process.argv[1].
const local = await import(new URL('../src/rpc/local.js', pathToFileURL(process.argv[1])).href);

/** Objects the child's server holds for its clients (the imported module counts as one). */
export function objectCount() {
  const server = local.getLocalServer();
  if (!server) throw new Error('this process has no local RPC server');
  return server.objectCount;
}

// ---- live objects (scale cases): the heap an object held for a client costs ----

/** V8's gc(), reachable without --expose-gc on the child's command line. */
let collect;

/** Heap used after a full collection, bytes. */
export function heapUsed() {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc');
  }
  collect();
  return process.memoryUsage().heapUsed;
}
