/**
 * Compile-time checks of Remote<T>: `npm test` runs `tsc --noEmit`, which fails if a line here
 * stops type-checking or an `@ts-expect-error` line stops being an error. Never executed.
 */
import { Future, getValue, RemoteStream, setAttr, withOptions, type Remote } from '../../src/index.js';

class Counter {
  total = 0;
  nested = { deep: { n: 1 }, list: [1, 2] };
  add(n: number): number {
    return (this.total += n);
  }
  async later(ms: number): Promise<string> {
    return String(ms);
  }
  snapshot(): { total: number } {
    return { total: this.total };
  }
  when(): Date {
    return new Date();
  }
  history(): number[] {
    return [];
  }
  clone(): Counter {
    return new Counter();
  }
  static create(start: number): Counter {
    return Object.assign(new Counter(), { total: start });
  }
}

class Circle {
  constructor(readonly r: number) {}
  area(): number {
    return Math.PI * this.r ** 2;
  }
}

class Drawing {
  circle = new Circle(1);
  circles(): Circle[] {
    return [new Circle(1)];
  }
  wrapped(): { circle: Circle; label: string } {
    return { circle: new Circle(2), label: 'two' };
  }
  byName(): Map<string, Circle> {
    return new Map();
  }
  pair(): [Circle, number] {
    return [new Circle(3), 3];
  }
}

type Module = { Counter: typeof Counter; square(x: number): number; version: string };

declare const counter: Remote<Counter>;
declare const mod: Remote<Module>;
declare const drawing: Remote<Drawing>;
declare function assertType<T>(value: T): void;

export async function checks(): Promise<void> {
  // methods return a Promise of their awaited result
  assertType<Promise<number>>(counter.add(1));
  assertType<Promise<string>>(counter.later(5));
  // properties are awaitable values, and lead further down
  assertType<number>(await counter.total);
  assertType<number>(await counter.nested.deep.n);
  assertType<number[]>(await counter.nested.list);
  assertType<string>(await mod.version);
  // classes become remote constructors resolving to proxies
  const c2 = await new mod.Counter();
  assertType<Promise<number>>(c2.add(2));
  // a class instance comes back as a proxy, data as itself
  const created = await mod.Counter.create(3);
  assertType<Promise<number>>(created.add(1));
  assertType<Promise<{ total: number }>>(counter.snapshot());
  assertType<Promise<Date>>(counter.when());
  assertType<Promise<number[]>>(counter.history());
  assertType<Promise<number>>((await counter.clone()).add(1));
  // @ts-expect-error a returned class instance is a proxy: its methods return Promises
  assertType<number>((await counter.clone()).add(1));
  // modes change what calls return
  const asyncCounter = withOptions(counter, { mode: 'async' });
  assertType<Future<number>>(asyncCounter.add(1));
  assertType<Future<string>>(asyncCounter.later(1));
  assertType<void>(withOptions(counter, { mode: 'off' }).add(1));
  // options without a mode keep the proxy's mode
  assertType<Future<number>>(withOptions(asyncCounter, { timeout: 5 }).add(1));
  assertType<Promise<number>>(withOptions(counter, { timeout: 5 }).add(1));
  // helpers know the remote type
  assertType<Counter['nested']>(await getValue(counter.nested));
  await setAttr(counter, 'total', 3);
  counter[Symbol.dispose]();

  // class instances inside returned data arrive as proxies, all the way down
  const arr = await drawing.circles();
  assertType<Promise<number>>(arr[0]!.area());
  assertType<number>(await arr[0]!.r);
  // @ts-expect-error an element of a returned array is a proxy: its fields are not plain numbers
  assertType<number>(arr[0]!.r);
  const wr = await drawing.wrapped();
  assertType<string>(wr.label);
  assertType<Promise<number>>(wr.circle.area());
  // @ts-expect-error a class instance in a returned plain object is a proxy: its methods return Promises
  assertType<number>(wr.circle.area());
  assertType<Promise<number> | undefined>((await drawing.byName()).get('a')?.area());
  const [first, n] = await drawing.pair();
  assertType<Promise<number>>(first.area());
  assertType<number>(n);
  // a property holding a class instance, awaited, is a proxy as well
  assertType<Promise<number>>((await drawing.circle).area());
  // @ts-expect-error awaiting a property that holds a class instance gives a proxy, not the instance
  assertType<Circle>(await drawing.circle);

  // @ts-expect-error wrong argument type
  void counter.add('one');
  // @ts-expect-error unknown method
  void counter.subtract(1);
  // @ts-expect-error a method result is a Promise, not the value
  assertType<number>(counter.add(1));
  // @ts-expect-error setAttr checks the attribute's type
  await setAttr(counter, 'total', 'many');
  // @ts-expect-error setAttr checks the attribute's name
  await setAttr(counter, 'missing', 1);
  // @ts-expect-error an 'off' call returns nothing to await
  assertType<Promise<number>>(withOptions(counter, { mode: 'off' }).add(1));
  // @ts-expect-error the root proxy is not thenable
  void counter.then;

  // streams: async iterables, async generators and sync iterators arrive as RemoteStreams of
  // their items, themselves mapped; arrays, Maps and Sets stay data
  const feed = null as unknown as Remote<Feed>;
  assertType<RemoteStream<number>>(await feed.ticks());
  assertType<RemoteStream<string>>(await feed.names());
  assertType<RemoteStream<number>>(await feed.squares());
  assertType<RemoteStream<string>>(await feed.keys());
  assertType<RemoteStream<Remote<Circle>>>(await feed.circles());
  assertType<RemoteStream<{ total: number }>>(await feed.snapshots());
  assertType<number[]>(await feed.list());
  for await (const tick of await feed.ticks()) assertType<number>(tick);
  assertType<Promise<number>>(feed.sum((async function* () { yield 1; })()));
  // @ts-expect-error a stream's items are not strings when the producer yields numbers
  assertType<RemoteStream<string>>(await feed.ticks());
  // @ts-expect-error a call returning a stream is a Promise: await it before iterating
  for await (const tick of feed.ticks()) void tick;
  // @ts-expect-error a class instance in a stream arrives as a proxy
  assertType<RemoteStream<Circle>>(await feed.circles());
  // @ts-expect-error an array stays an array, not a stream
  assertType<RemoteStream<number>>(await feed.list());
  // @ts-expect-error the argument must be an iterable of numbers
  void feed.sum((async function* () { yield 'x'; })());
}

interface Feed {
  ticks(): AsyncGenerator<number, void>;
  names(): AsyncIterable<string>;
  squares(): Generator<number>;
  keys(): IterableIterator<string>;
  circles(): AsyncIterableIterator<Circle>;
  snapshots(): Promise<AsyncIterable<{ total: number }>>;
  list(): number[];
  sum(items: AsyncIterable<number>): Promise<number>;
}
