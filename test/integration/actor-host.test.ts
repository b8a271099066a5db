/**
 * The PyActor tutorial samples (1-11 and 1b, and stopping an actor) as behaviour tests, each
 * run twice: with the host in this process (references take the local fast path) and with the
 * host in a spawned child (references go through its RPC server). Everything is imported as
 * `zeroproc` (the build), the copy the child and the fixture use too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  Actor, ActorStoppedError, AlreadyExistsError, InvalidArgumentError, NotFoundError, QueueFullError, RemoteError, TimeoutError,
  connectHost, createHost, interval, isProxy, release, spawn, withOptions,
  type ActorClass, type ActorHost, type Future, type LogRecord, type ProcessHandle, type RefOf,
} from 'zeroproc';
import { pushLocalSink } from '../../dist/src/log/local.js';
import * as samples from '../fixtures/actor/samples.js';
import { failure } from '../helpers/failure.js';

type Samples = typeof samples;
type SampleName = { [K in keyof Samples]: Samples[K] extends ActorClass ? K : never }[keyof Samples];

/** Where the samples' actors live; every method returns a Promise, as a remote host's do. */
interface Place {
  spawn<C extends ActorClass>(id: string, name: SampleName, ...args: unknown[]): Promise<RefOf<C>>;
  lookup<C extends ActorClass>(id: string): Promise<RefOf<C>>;
  hasActor(id: string): Promise<boolean>;
  actors(): Promise<string[]>;
  stopActor(id: string): Promise<void>;
  urlOf(id: string): Promise<string>;
  close(): Promise<void>;
}

const fixture = fileURLToPath(new URL('../fixtures/actor/samples.ts', import.meta.url));

async function inThisProcess(): Promise<Place> {
  const host = await createHost();
  return {
    spawn: (id, name, ...args) => host.spawn(id, samples[name] as ActorClass, ...(args as never[])) as never,
    lookup: async (id) => host.lookup(id) as never,
    hasActor: async (id) => host.hasActor(id),
    actors: async () => host.actors(),
    stopActor: (id) => host.stopActor(id),
    urlOf: async (id) => host.urlOf(id),
    close: () => host.shutdown(),
  };
}

async function inAChild(): Promise<Place> {
  const proc: ProcessHandle = await spawn({ name: 'actor-host' });
  const host = await connectHost(proc);
  return {
    spawn: (id, name, ...args) => host.spawn(id, `${fixture}#${name}`, ...args) as never,
    lookup: (id) => host.lookup(id) as never,
    hasActor: (id) => host.hasActor(id),
    actors: () => host.actors(),
    stopActor: (id) => host.stopActor(id),
    urlOf: (id) => host.urlOf(id),
    close: async () => {
      release(host);
      await proc.kill();
    },
  };
}

/** The stable code of an actor error, whether it was raised here or came from another process. */
function codeOf(err: unknown): unknown {
  return err instanceof RemoteError ? err.remoteCode : (err as { code?: unknown }).code;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['in this process', inThisProcess],
  ['in a spawned child', inAChild],
])('PyActor samples, host %s', (_where, open) => {
  let place: Place;
  beforeAll(async () => {
    place = await open();
  });
  afterAll(() => place.close());
  afterEach(async () => {
    for (const id of await place.actors()) await place.stopActor(id);
  });

  test('1: a tell returns nothing at once and reaches the actor', async () => {
    const echo = await place.spawn<typeof samples.Echo>('echo1', 'Echo');
    expect(echo.echo('hello')).toBeUndefined();
    expect(await echo.said).toEqual(['hello']);
  });

  test('1b: tells from one sender arrive in the order sent, before its later asks', async () => {
    const echo = await place.spawn<typeof samples.Echo>('echo1b', 'Echo');
    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const m of sent) echo.echo(m);
    expect(await echo.said).toEqual(sent);
  });

  test('2: an ask returns the method result', async () => {
    const echo = await place.spawn<typeof samples.Echo>('echo2', 'Echo');
    expect(await echo.say()).toBe('echo2 says hi');
  });

  test('3: an ask slower than its timeout fails with TimeoutError; the actor goes on', async () => {
    const echo = await place.spawn<typeof samples.Echo>('echo3', 'Echo');
    const t0 = performance.now();
    const err = await failure(withOptions(echo, { timeout: 50 }).slow(400));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeLessThan(350);
    expect(await echo.say()).toBe('echo3 says hi');
  });

  test('a running ask whose caller gives up sees its signal aborted', async () => {
    const patient = await place.spawn<typeof samples.Patient>('patient', 'Patient');
    await expect(withOptions(patient, { timeout: 50 }).wait()).rejects.toBeInstanceOf(TimeoutError);
    // `wait` holds the actor's turn until its signal is aborted: this read runs only after that
    expect(await patient.heard).toEqual(['aborted']);
  });

  test('4: lookup, hasActor, actors; a missing id is NotFound', async () => {
    await place.spawn('echo4', 'Echo');
    const found = await place.lookup<typeof samples.Echo>('echo4');
    expect(await found.say()).toBe('echo4 says hi');
    expect(await place.hasActor('echo4')).toBe(true);
    expect(await place.hasActor('nobody')).toBe(false);
    expect(await place.actors()).toEqual(['echo4']);
    expect(codeOf(await failure(place.lookup('nobody')))).toBe('ERR_NOT_FOUND');
  });

  test('5: a reference passed to another actor, used there with tells and asks', async () => {
    const echo = await place.spawn<typeof samples.Echo>('echo5', 'Echo');
    const bot = await place.spawn<typeof samples.Bot>('bot5', 'Bot');
    bot.setEcho(echo);
    bot.relay('one');
    // the bot's ask reaches the echo after its tell (same sender), and our ask after the bot's
    expect(await bot.askEcho()).toBe('echo5 says hi');
    expect(await echo.said).toEqual(['bot5 relays one']);
  });

  test('6: id, url, self (an ask to itself does not deadlock), the instance leaves as a reference', async () => {
    const sp = await place.spawn<typeof samples.Spawner>('sp6', 'Spawner');
    expect(await sp.whoAmI()).toEqual({ id: 'sp6', url: await place.urlOf('sp6') });
    expect(await sp.selfSay()).toBe('self: plain');
    const me = await sp.me();
    expect(isProxy(me)).toBe(true);
    expect(await me.plain()).toBe('plain');
  });

  test('7: an actor spawns another through its host and hands out the reference', async () => {
    const sp = await place.spawn<typeof samples.Spawner>('sp7', 'Spawner');
    const made = await sp.makeEcho('made7');
    made.echo('via');
    expect(await made.said).toEqual(['via']);
    expect(await place.hasActor('made7')).toBe(true);
  });

  test('8: futures: done(), result(), a failure held until asked for', async () => {
    const w = await place.spawn<typeof samples.Worker>('w8', 'Worker');
    const f = withOptions(w, { mode: 'async' }).compute(7, 50) as Future<number>;
    expect(f.done()).toBe(false);
    expect(await f.result(5_000)).toBe(49);
    expect(f.done()).toBe(true);
    const bad = withOptions(w, { mode: 'async' }).fail() as Future<never>;
    await failure(bad);
    const err = bad.exception() as Error;
    expect(err.message).toContain('no such thing');
  });

  test('9: a future callback registered inside an actor runs as its message, never alongside one', async () => {
    const w = await place.spawn<typeof samples.Worker>('w9', 'Worker');
    const col = await place.spawn<typeof samples.Collector>('col9', 'Collector');
    await col.start(w, 6);
    expect(await col.results).toEqual([36]);
    expect(await col.overlaps).toBe(0);
  });

  test('10: a parallel method lets other messages run while it awaits; others hold the actor', async () => {
    const d = await place.spawn<typeof samples.Downloader>('d10', 'Downloader');
    const download = d.download('a', 300);
    expect(await d.status()).toEqual(['start a', 'status']);
    expect(await download).toBe('a');
    expect(await d.events).toEqual(['start a', 'status', 'done a']);
    const echo = await place.spawn<typeof samples.Echo>('e10', 'Echo');
    const order: string[] = [];
    const slow = echo.slow(100).then(() => order.push('slow'));
    const say = echo.say().then(() => order.push('say'));
    await Promise.all([slow, say]);
    expect(order).toEqual(['slow', 'say']);
  });

  test('11: interval and later deliver tells; stop() ends them; an actor\'s own timers end with it', async () => {
    const ticker = await place.spawn<typeof samples.Ticker>('t11', 'Ticker');
    const t = interval(10, ticker, 'tick');
    while ((await ticker.ticks) < 3) await sleep(10);
    t.stop();
    expect(t.stopped).toBe(true);
    const after = await ticker.ticks;
    await sleep(50);
    expect(await ticker.ticks).toBe(after);
    ticker.once(10);
    while ((await ticker.ticks) < after + 1) await sleep(10);
    await sleep(50);
    expect(await ticker.ticks).toBe(after + 1);
    // its own interval: stopped when the actor stops (jest would not exit otherwise)
    ticker.startOwn(5);
    while ((await ticker.ticks) < after + 3) await sleep(5);
    await place.stopActor('t11');
  });

  test('deadlines travel: an ask made while serving one waits no longer than its asker', async () => {
    const echo = await place.spawn<typeof samples.Echo>('slow-echo', 'Echo');
    const relay = await place.spawn<typeof samples.Relay>('relay', 'Relay');
    // our ask and the relay's ask to the echo (10 s by default) expire together: whichever
    // expires first, the relay's gave up with ours, long before the echo answers
    const outer = await withOptions(relay, { timeout: 200 }).viaSlow(echo, 1_500).then(() => 'answered', (err: Error) => err.name);
    expect(['answered', 'TimeoutError']).toContain(outer);
    while ((await relay.outcome) === '') await sleep(20);
    expect(await relay.outcome).toBe('TimeoutError after less than 1 s');
  });

  test('stopping: running messages finish, queued asks reject naming the actor, later ones fail fast, the id is free', async () => {
    const life = await place.spawn<typeof samples.Life>('life', 'Life');
    const held = life.hold(150);
    const queued = failure(life.ping());
    await sleep(20); // hold() is running, ping() waits behind it
    await place.stopActor('life');
    expect(await held).toBe('held');
    const err = await queued;
    expect(codeOf(err)).toBe('ERR_ACTOR_STOPPED');
    expect(err.message).toContain('"life"');
    if (!(err instanceof RemoteError)) expect(err).toBeInstanceOf(ActorStoppedError);
    const t0 = performance.now();
    expect(['ERR_ACTOR_STOPPED', 'ERR_NOT_FOUND']).toContain(codeOf(await failure(life.ping())));
    expect(performance.now() - t0).toBeLessThan(1_000);
    const again = await place.spawn<typeof samples.Life>('life', 'Life');
    expect(await again.ping()).toBe('pong');
    const events = await again.lifeEvents();
    expect(events.slice(-3)).toEqual(['start life', 'stop life', 'start life']);
  });
});

describe('mailbox rules, in this process', () => {
  let host: ActorHost;
  let records: LogRecord[] = [];
  let removeSink: () => void;
  beforeAll(async () => {
    host = await createHost();
    removeSink = pushLocalSink((r) => void records.push(r));
  });
  afterAll(async () => {
    removeSink();
    await host.shutdown();
  });
  afterEach(async () => {
    records = [];
    for (const id of host.actors()) await host.stopActor(id);
  });

  class Bounded extends Actor {
    static mailbox = { max: 2 };
    static tell = ['t'] as const;
    seen: number[] = [];
    async hold(ms: number): Promise<void> {
      await sleep(ms);
    }
    t(n: number): void {
      this.seen.push(n);
    }
    mark(): string {
      this.seen.push(-1);
      return 'marked';
    }
  }

  test('a full mailbox refuses asks with QueueFullError and drops tells, counted and logged', async () => {
    const b = await host.spawn('bounded', Bounded);
    const held = b.hold(100);
    await sleep(10); // hold() runs: the running message is not counted
    b.t(1);
    b.t(2);
    const err = await failure(b.mark());
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err.message).toContain('"bounded"');
    b.t(3);
    b.t(4);
    expect(host.statsOf('bounded')).toMatchObject({ queued: 2, running: 1, droppedTells: 2 });
    await held;
    // the two queued tells still fill the mailbox for a moment: wait until they ran
    while (host.statsOf('bounded').queued > 0) await new Promise(setImmediate);
    expect(await b.seen).toEqual([1, 2]);
    const warning = records.find((r) => r.level === 'warn' && r.msg.includes('bounded'));
    expect(warning?.msg).toMatch(/mailbox full \(2 queued\), dropped tell t\(\) \(1 tells dropped so far\)/);
  });

  test('a queued ask whose caller gave up is dropped before it runs, and counted', async () => {
    const b = await host.spawn('gave-up', Bounded);
    const held = b.hold(120);
    await expect(withOptions(b, { timeout: 30 }).mark()).rejects.toBeInstanceOf(TimeoutError);
    await held;
    expect(await b.seen).toEqual([]);
    expect(host.statsOf('gave-up').expiredAsks).toBe(1);
  });

  class Fragile extends Actor {
    static tell = ['bad', 'add'] as const;
    total: number;
    constructor(start: number) {
      super();
      this.total = start;
    }
    add(n: number): void {
      this.total += n;
    }
    bad(): void {
      throw new Error('tell went wrong');
    }
  }
  class Restarting extends Fragile {
    static onError = 'restart' as const;
  }
  class Stopping extends Fragile {
    static onError = 'stop' as const;
  }

  test('a throw in a tell is logged with the actor id and stack; the actor resumes by default', async () => {
    const f = await host.spawn('fragile', Fragile, 10);
    f.add(5);
    f.bad();
    f.add(1);
    expect(await f.total).toBe(16);
    const error = records.find((r) => r.level === 'error');
    expect(error?.msg).toContain('actor fragile: tell bad() failed: Error: tell went wrong');
    expect(error?.msg).toMatch(/at Fragile\.bad/);
  });

  test("onError 'restart' rebuilds the actor from its constructor arguments; 'stop' stops it", async () => {
    const r = await host.spawn('restarting', Restarting, 10);
    r.add(5);
    r.bad();
    r.add(1);
    expect(await r.total).toBe(11);
    const s = await host.spawn('stopping', Stopping, 0);
    s.bad();
    const err = await failure(s.total);
    expect(err).toBeInstanceOf(ActorStoppedError);
    expect(host.hasActor('stopping')).toBe(false);
  });

  class Overlapping extends Actor {
    static reentrant = true;
    log2: string[] = [];
    async step(name: string, ms: number): Promise<void> {
      this.log2.push(`start ${name}`);
      await sleep(ms);
      this.log2.push(`end ${name}`);
    }
  }

  test('a reentrant actor interleaves its messages at awaits', async () => {
    const o = await host.spawn('overlap', Overlapping);
    await Promise.all([o.step('a', 60), o.step('b', 10)]);
    expect(await o.log2).toEqual(['start a', 'start b', 'end b', 'end a']);
  });

  test('references refuse what is not a message: assignment, lifecycle hooks, private members', async () => {
    const e = await host.spawn('strict', Bounded);
    expect(() => {
      (e as unknown as Record<string, number>).seen = 1;
    }).toThrow(InvalidArgumentError);
    const hook = e as unknown as { onStop(): Promise<void>; _hidden(): Promise<void> };
    await expect(hook.onStop()).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(hook._hidden()).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(host.spawn('strict', Bounded)).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(host.stopActor('nobody')).rejects.toBeInstanceOf(NotFoundError);
  });
});
