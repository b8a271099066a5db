/** Actors the actor examples spawn, here and in children (by 'actors.ts#Name'). */
import { Actor, interval, type ActorRef, type TimerHandle } from 'zeroproc';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** PyActor's Echo: a tell and an ask. */
export class Echo extends Actor {
  static tell = ['echo'] as const;
  echo(msg: string): void {
    console.log(`${this.id} heard: ${msg}`);
  }
  say(): string {
    return `${this.id} says hi`;
  }
  async slow(ms: number): Promise<number> {
    await sleep(ms);
    return ms;
  }
}

/** PyActor's Bot: holds a reference to an Echo and talks to it. */
export class Bot extends Actor {
  static tell = ['setEcho', 'relay'] as const;
  protected echo: ActorRef<Echo, 'echo'> | undefined;
  setEcho(echo: ActorRef<Echo, 'echo'>): void {
    this.echo = echo;
  }
  relay(msg: string): void {
    this.echo?.echo(`${this.id} relays ${msg}`);
  }
  async spawnEcho(id: string): Promise<ActorRef<Echo, 'echo'>> {
    return this.host.spawn(id, Echo);
  }
}

/** PyActor's File with a parallel method: other messages run while a download awaits. */
export class Downloader extends Actor {
  static parallel = ['download'] as const;
  private done: string[] = [];
  async download(name: string, ms: number): Promise<string> {
    await sleep(ms);
    this.done.push(name);
    return `${name} downloaded`;
  }
  status(): string {
    return `${this.done.length} done`;
  }
}

/** PyActor's interval sample: counts ticks sent by a timer. */
export class Counter extends Actor {
  static tell = ['tick'] as const;
  count = 0;
  private timer: TimerHandle | undefined;
  tick(): void {
    this.count++;
  }
  startTicking(ms: number): void {
    this.timer = interval(ms, this.self as unknown as ActorRef<Counter, 'tick'>, 'tick');
  }
  stopTicking(): number {
    this.timer?.stop();
    return this.count;
  }
}

/** uActor's network example: a greeter in its own process. */
export class Greeter extends Actor {
  static tell = ['remember'] as const;
  private names: string[] = [];
  constructor(private readonly greeting: string) {
    super();
  }
  remember(name: string): void {
    this.names.push(name);
  }
  greet(name: string): string {
    return `${this.greeting}, ${name} (from pid ${process.pid})`;
  }
  met(): string[] {
    return this.names;
  }
  /** Uses a reference to another actor process it was handed. */
  async introduce(other: ActorRef<Greeter, 'remember'>, name: string): Promise<string> {
    other.remember(name);
    return other.greet(name);
  }
}
