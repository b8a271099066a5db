import { expect, test } from '@jest/globals';
import { PendingTable } from '../../src/rpc/pending-table.js';

interface Call {
  readonly id: number;
}

const ids = (calls: Call[]): number[] => calls.map((c) => c.id).sort((a, b) => a - b);

/** A table of 64 slots where call 1 holds slot 1 and call 65, which wants it too, is set aside. */
function withSpilledCall(): PendingTable<Call> {
  const table = new PendingTable<Call>();
  table.add({ id: 1 });
  for (let id = 2; id <= 64; id++) {
    table.add({ id });
    table.take(id);
  }
  table.add({ id: 65 });
  return table;
}

test('calls are found and taken by id, once', () => {
  const table = new PendingTable<Call>();
  for (let id = 1; id <= 10; id++) table.add({ id });
  expect(table.size).toBe(10);
  expect(table.get(4)).toEqual({ id: 4 });
  expect(table.take(4)).toEqual({ id: 4 });
  expect(table.take(4)).toBeUndefined();
  expect(table.get(4)).toBeUndefined();
  expect(table.get(11)).toBeUndefined();
  expect(table.size).toBe(9);
});

test('a long call overtaken by many newer ones stays findable, and so do the ones sharing its slot', () => {
  const table = new PendingTable<Call>();
  table.add({ id: 1 });
  // bursts of 40 (the table never needs to grow past 128 slots), each answered in full: the ids
  // pass slot 1 again and again while call 1 holds it
  let next = 2;
  for (let burst = 0; burst < 50; burst++) {
    const sent: number[] = [];
    for (let i = 0; i < 40; i++) {
      table.add({ id: next });
      sent.push(next++);
    }
    for (const id of sent) expect(table.take(id)).toEqual({ id });
  }
  expect(table.size).toBe(1);
  expect(table.get(1)).toEqual({ id: 1 });
  expect(table.take(1)).toEqual({ id: 1 });
  expect(table.size).toBe(0);
});

test('growing keeps every call, including those set aside, and replies in any order find theirs', () => {
  const table = withSpilledCall();
  // then the array grows, several times, with 1 and 65 pending
  for (let id = 66; id <= 5_000; id++) table.add({ id });
  const all = [1, ...Array.from({ length: 5_000 - 65 + 1 }, (_, i) => 65 + i)];
  expect(table.size).toBe(all.length);
  // answered out of order: every other one, then the rest backwards
  for (const id of all.filter((_, i) => i % 2 === 0)) expect(table.take(id)).toEqual({ id });
  for (const id of all.filter((_, i) => i % 2 === 1).reverse()) expect(table.take(id)).toEqual({ id });
  expect(table.size).toBe(0);
});

test('takeAll empties the table and returns every call once, the set-aside ones too, oldest first', () => {
  const table = withSpilledCall();
  for (let id = 66; id <= 70; id++) table.add({ id });
  expect(table.takeAll().map((c) => c.id)).toEqual([1, 65, 66, 67, 68, 69, 70]);
  expect(table.size).toBe(0);
  expect(table.get(1)).toBeUndefined();
  expect(table.get(65)).toBeUndefined();
  expect(table.takeAll()).toEqual([]);
});

test('two calls that still share a slot after the array grew are both found', () => {
  const table = withSpilledCall();
  // 1 and 129 want one slot at 64 slots and at 128: the array grows while both are pending
  table.take(65);
  for (let id = 66; id <= 128; id++) {
    table.add({ id });
    table.take(id);
  }
  for (let id = 129; id <= 161; id++) table.add({ id }); // 34 pending with 1: past half of 64 slots
  expect(table.size).toBe(34);
  expect(table.get(1)).toEqual({ id: 1 });
  expect(table.get(129)).toEqual({ id: 129 });
  expect(table.take(129)).toEqual({ id: 129 });
  expect(table.take(1)).toEqual({ id: 1 });
  expect(ids(table.takeAll())).toEqual(Array.from({ length: 32 }, (_, i) => 130 + i));
});

test('ids past 2^32 still map to their own calls', () => {
  const table = new PendingTable<Call>();
  const base = 2 ** 32 - 3;
  for (let i = 0; i <= 8; i++) table.add({ id: base + i });
  table.add({ id: 5 }); // the same low bits as 2^32 + 5
  expect(table.get(2 ** 32 + 1)).toEqual({ id: 2 ** 32 + 1 });
  expect(table.take(5)).toEqual({ id: 5 });
  for (let i = 0; i <= 8; i++) expect(table.take(base + i)).toEqual({ id: base + i });
  expect(table.size).toBe(0);
});
