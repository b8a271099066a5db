/** The mailbox alone: start order, turns, interleaving, admission, bounds. No I/O, no timers. */
import { expect, test } from '@jest/globals';
import { Mailbox } from '../../src/actor/mailbox.js';

interface Msg {
  name: string;
  interleaves?: boolean;
  /** Settles the message's run; undefined: the message runs synchronously. */
  gate?: Promise<void>;
}

function deferred(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every queued microtask and promise reaction run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function recordingMailbox(max = Infinity): { box: Mailbox<Msg>; log: string[] } {
  const log: string[] = [];
  const box = new Mailbox<Msg>({
    max,
    interleaves: (m) => m.interleaves === true,
    run: (m) => {
      log.push(`start ${m.name}`);
      if (!m.gate) {
        log.push(`end ${m.name}`);
        return;
      }
      return m.gate.then(() => void log.push(`end ${m.name}`));
    },
  });
  return { box, log };
}

test('messages run one at a time in arrival order, awaits included', async () => {
  const { box, log } = recordingMailbox();
  const a = deferred();
  const b = deferred();
  box.offer({ name: 'a', gate: a.promise });
  box.offer({ name: 'b', gate: b.promise });
  box.offer({ name: 'c' });
  expect(log).toEqual([]); // nothing runs inside offer(): the sender's code goes on first
  await settle();
  expect(log).toEqual(['start a']);
  b.open(); // b is ready, but a still holds the turn
  await settle();
  expect(log).toEqual(['start a']);
  a.open();
  await settle();
  expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('an interleaving message starts while an exclusive one awaits, and does not hold the turn', async () => {
  const { box, log } = recordingMailbox();
  const a = deferred();
  const p = deferred();
  box.offer({ name: 'a', gate: a.promise });
  box.offer({ name: 'p', interleaves: true, gate: p.promise });
  box.offer({ name: 'b' });
  await settle();
  // p reaches the front once a started: it starts while a awaits; b waits for a's turn
  expect(log).toEqual(['start a', 'start p']);
  a.open();
  await settle();
  // b starts although p is still running
  expect(log).toEqual(['start a', 'start p', 'end a', 'start b', 'end b']);
  p.open();
  await settle();
  expect(log.at(-1)).toBe('end p');
});

test('an admitted message runs ahead of the queue while the turn is taken', async () => {
  const { box, log } = recordingMailbox();
  const a = deferred();
  box.offer({ name: 'a', gate: a.promise });
  box.offer({ name: 'queued' });
  await settle();
  box.admit({ name: 'chain' });
  expect(box.active).toBe(2);
  await settle();
  expect(log).toEqual(['start a', 'start chain', 'end chain']);
  a.open();
  await settle();
  expect(log.slice(3)).toEqual(['end a', 'start queued', 'end queued']);
});

test('the bound counts queued messages only; forced (control) messages pass it', async () => {
  const { box, log } = recordingMailbox(2);
  const a = deferred();
  expect(box.offer({ name: 'a', gate: a.promise })).toBe(true);
  await settle(); // a runs: not counted
  expect(box.offer({ name: 'b' })).toBe(true);
  expect(box.offer({ name: 'c' })).toBe(true);
  expect(box.offer({ name: 'd' })).toBe(false);
  expect(box.size).toBe(2);
  box.force({ name: 'stop' });
  expect(box.size).toBe(3);
  a.open();
  await settle();
  expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start stop']);
});

test('takeQueued empties the queue; idle waits for running messages', async () => {
  const { box, log } = recordingMailbox();
  const a = deferred();
  box.offer({ name: 'a', gate: a.promise });
  box.offer({ name: 'b' });
  box.offer({ name: 'c' });
  await settle();
  expect(box.takeQueued().map((m) => m.name)).toEqual(['b', 'c']);
  let idle = false;
  void box.idle().then(() => (idle = true));
  await settle();
  expect(idle).toBe(false);
  a.open();
  await settle();
  expect(idle).toBe(true);
  expect(log).toEqual(['start a', 'end a']);
});

test('a long queue drains in order (the front index is compacted on the way)', async () => {
  const seen: number[] = [];
  const box = new Mailbox<number>({ max: Infinity, interleaves: () => false, run: (n) => void seen.push(n) });
  for (let i = 0; i < 5000; i++) box.offer(i);
  await settle();
  expect(seen).toHaveLength(5000);
  expect(seen.every((n, i) => n === i)).toBe(true);
  // messages queued by a running message go after it, in order
  const nested: string[] = [];
  const box2 = new Mailbox<string>({ max: Infinity, interleaves: () => false, run: (s) => {
    nested.push(s);
    if (s === 'first') { box2.offer('third'); box2.offer('fourth'); }
  } });
  box2.offer('first');
  box2.offer('second');
  await settle();
  expect(nested).toEqual(['first', 'second', 'third', 'fourth']);
});
