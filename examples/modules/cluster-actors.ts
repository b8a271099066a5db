/** Actors the cluster examples spawn in `zeroproc host` daemons (by 'cluster-actors.ts#Name'). */
import { Actor, connectHost, release, type HostRef } from 'zeroproc';

/** PyActor's Echo, on a remote host. */
export class Echo extends Actor {
  static tell = ['echo'] as const;
  echo(msg: string): void {
    console.log(`${this.id} heard: ${msg}`);
  }
  say(): string {
    return `${this.id} says hi from ${this.host.name}`;
  }
}

/** PyActor's registry sample: names bound to references (actors, hosts), from any machine. */
export class Registry extends Actor {
  private readonly entries = new Map<string, unknown>();
  bind(name: string, ref: unknown): void {
    this.entries.set(name, ref);
  }
  lookup(name: string): unknown {
    if (!this.entries.has(name)) throw new Error(`nothing bound as ${name}`);
    return this.entries.get(name);
  }
  names(): string[] {
    return [...this.entries.keys()];
  }
}

/** Squares numbers, wherever it is spawned. */
export class Worker extends Actor {
  square(n: number): string {
    return `${n * n}@${this.host.name}`;
  }
}

/** PyActor's multiple-hosts sample: spawns a worker on each host it is given and spreads the work over them. */
export class Coordinator extends Actor {
  async run(addresses: string[], numbers: number[]): Promise<string> {
    const hosts: HostRef[] = await Promise.all(addresses.map((a) => connectHost(a)));
    try {
      const workers = await Promise.all(hosts.map((h, i) => h.spawn<typeof Worker>(`worker-${i}`, new URL('./cluster-actors.ts#Worker', import.meta.url).href)));
      const results = await Promise.all(numbers.map((n, i) => workers[i % workers.length]!.square(n)));
      await Promise.all(hosts.map((h, i) => h.stopActor(`worker-${i}`)));
      return results.join(', ');
    } finally {
      for (const h of hosts) release(h);
    }
  }
}
