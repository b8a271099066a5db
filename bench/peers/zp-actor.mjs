// The module a zeroproc child imports in the actor cases (plain JS, so the child stays on bare
// node): the same `echo` as an actor's ask and as a plain object's method, for a ratio in one run.
import { Actor } from 'zeroproc';

/** Spawned in the child's host: `echo` is an ask, `hit` a tell. */
export class EchoActor extends Actor {
  static tell = ['hit'];
  hits = 0;
  echo(x) {
    return x;
  }
  hit() {
    this.hits++;
  }
}

/** The plain RPC baseline: the same method on an object the child hands out by reference. */
export class PlainEcho {
  echo(x) {
    return x;
  }
}
