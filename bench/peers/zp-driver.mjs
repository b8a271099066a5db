// The module a zeroproc child imports to act as one of K clients into one server: it is handed
// a proxy to the server's module (a reference forwarded from the parent, so this child connects
// to the server itself) and makes sequential calls on it when told.

let target;

/** Keeps the proxy to the server's bench module for the calls of later samples. */
export async function aim(proxy) {
  target = proxy;
  return target.echo(0);
}

/** `n` sequential calls to the server; the ms they took. */
export async function run(n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) await target.echo(i);
  return performance.now() - start;
}
