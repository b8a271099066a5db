// The module a zeroproc child imports in the stream cases (plain JS, so the child stays on bare
// node): streams of small items and of 1 MB chunks, and the calls they are compared with.

/** `n` small items, as an async generator method would yield them. */
export async function* items(n) {
  for (let i = 0; i < n; i++) yield i;
}

/** The same small item by call: the pipelined-calls baseline. */
export function item(i) {
  return i;
}

let block = Buffer.alloc(0);

function chunkOf(bytes) {
  // non-zero content, made once: the cases measure transfer, not filling memory
  if (block.length !== bytes) block = Buffer.alloc(bytes, 0xa5);
  return block;
}

/** `count` chunks of `bytes` (hugetransfer's download_chunks). */
export function* chunks(count, bytes) {
  for (let i = 0; i < count; i++) yield chunkOf(bytes);
}

/** One chunk by call: the pipelined-calls baseline of the chunk stream. */
export function chunk(bytes) {
  return chunkOf(bytes);
}
