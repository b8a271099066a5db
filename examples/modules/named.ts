/**
 * The objects of the name server examples (after Pyro's warehouse, banks, circular and
 * stockquotes samples). Each `serve...`/`open...` function runs in a child process: it makes the
 * object there and registers it under a name; the others find it by that name.
 */
import { getProcessName, lookup, register, type Remote } from 'zeroproc';
import { Aggregator, Market, Viewer } from './stocks.js';

// ----- warehouse: one shared store, visitors find it by name

export class Warehouse {
  private readonly contents = ['chair', 'bike', 'flashlight', 'laptop', 'couch'];

  list(): string[] {
    return [...this.contents];
  }

  take(who: string, item: string): void {
    const at = this.contents.indexOf(item);
    if (at < 0) throw new RangeError(`${who} wants ${item}, but the warehouse has none`);
    this.contents.splice(at, 1);
    console.log(`${who} took the ${item}`);
  }

  store(who: string, item: string): void {
    this.contents.push(item);
    console.log(`${who} stored the ${item}`);
  }
}

export async function serveWarehouse(): Promise<void> {
  await register('example.warehouse', new Warehouse());
}

/** A visitor: finds the warehouse by name, leaves what it brought, takes what it wants. */
export async function visit(bring: string[], want: string[]): Promise<string[]> {
  const warehouse = await lookup<Warehouse>('example.warehouse');
  for (const item of bring) await warehouse.store(getProcessName(), item);
  for (const item of want) await warehouse.take(getProcessName(), item);
  return warehouse.list();
}

// ----- banks: several servers under one prefix, found with list()

export class Bank {
  private readonly accounts = new Map<string, number>();

  constructor(readonly name: string) {}

  open(holder: string): void {
    this.accounts.set(holder, 0);
  }

  deposit(holder: string, amount: number): number {
    return this.#set(holder, this.#balance(holder) + amount);
  }

  withdraw(holder: string, amount: number): number {
    const balance = this.#balance(holder);
    if (amount > balance) throw new RangeError(`${this.name}: ${holder} cannot withdraw ${amount}, the balance is ${balance}`);
    return this.#set(holder, balance - amount);
  }

  statement(): Record<string, number> {
    return Object.fromEntries([...this.accounts].sort(([a], [b]) => a.localeCompare(b)));
  }

  #balance(holder: string): number {
    const balance = this.accounts.get(holder);
    if (balance === undefined) throw new RangeError(`${this.name}: ${holder} has no account`);
    return balance;
  }

  #set(holder: string, balance: number): number {
    this.accounts.set(holder, balance);
    return balance;
  }
}

export async function openBank(name: string, country: string): Promise<void> {
  await register(`example.banks.${name}`, new Bank(name), { country });
}

// ----- circular: each link knows the next one only by name

export class Link {
  constructor(private readonly name: string, private readonly next: string) {}

  /** Adds itself to `path` and passes it on, until the message is back at a link it passed. */
  async pass(path: string[]): Promise<string[]> {
    if (path.includes(this.name)) return [...path, `${this.name} (back where it started)`];
    console.log(`${this.name} passes the message on to ${this.next}`);
    const next = await lookup<Link>(`example.chain.${this.next}`);
    return next.pass([...path, this.name]);
  }
}

export async function serveLink(name: string, next: string): Promise<void> {
  await register(`example.chain.${name}`, new Link(name, next));
}

// ----- stockquotes: markets and the aggregator register; viewers and markets find the aggregator

export async function serveAggregator(): Promise<void> {
  await register('example.stockquote.aggregator', new Aggregator());
}

export async function openMarket(name: string, symbols: Record<string, number>, seed: number): Promise<void> {
  await register(`example.stockmarket.${name}`, new Market(name, symbols, seed), { symbols: Object.keys(symbols).join(',') });
}

let viewer: Viewer | undefined;

export async function watchByName(symbols: string[]): Promise<void> {
  viewer = new Viewer();
  await viewer.watch(await lookup<Aggregator>('example.stockquote.aggregator'), symbols);
}

export function viewerReport(): ReturnType<Viewer['report']> {
  return viewer!.report();
}

/** A market found by name sends its quotes to the aggregator found by name. */
export async function feed(market: Remote<Market>, count: number): Promise<number> {
  return market.open(await lookup<Aggregator>('example.stockquote.aggregator'), count);
}
