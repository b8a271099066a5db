import { describe, expect, test } from '@jest/globals';
import { NotFoundError } from '../../src/errors.js';
import { ObjectTable } from '../../src/rpc/object-table.js';

describe('ObjectTable', () => {
  test('an object lives while any holder counts it, and its id dies with it for good', () => {
    let emptied = 0;
    const table = new ObjectTable(1_000, () => emptied++);
    const obj = {};
    const id = table.grant(obj, 'peerA');
    expect(table.grant(obj, 'peerB')).toBe(id);
    expect(table.grant(obj, 'peerA')).toBe(id);
    table.release(id, 'peerA', 2);
    expect(table.get(id)).toBe(obj);
    expect(table.holds('peerA')).toBe(false);
    table.release(id, 'peerB', 1);
    expect(table.size).toBe(0);
    expect(emptied).toBe(1);
    expect(() => table.get(id)).toThrow(NotFoundError);
    // handed out again, it is another entry with another id
    expect(table.grant(obj, 'peerA')).not.toBe(id);
  });

  test('a release counts only what the releasing holder holds', () => {
    const table = new ObjectTable(1_000);
    const id = table.grant({}, 'peerA');
    table.release(id, 'peerB', 1_000_000);
    expect(table.size).toBe(1);
    table.release(id, 'peerA', 1_000_000);
    expect(table.size).toBe(0);
  });

  test('ids and tickets are 128 random bits in base64url, never the same twice', () => {
    const table = new ObjectTable(1_000);
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const { obj, ticket } = table.issueTicket({}, 'serverD');
      expect(obj).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(ticket).toMatch(/^[A-Za-z0-9_-]{22}$/);
      seen.add(obj).add(ticket);
    }
    expect(seen.size).toBe(2_000);
  });

  test('a ticket is taken only by a claim naming its recipient; a refused claim leaves it in place', () => {
    const table = new ObjectTable(1_000);
    const obj = {};
    const { obj: id, ticket } = table.issueTicket(obj, 'serverD');
    expect(table.claim(ticket, 'peerE', 'serverE')).toBe('refused');
    expect(table.holds('peerE')).toBe(false);
    expect(table.claim(ticket, 'peerD', 'serverD')).toBe('claimed');
    expect(table.claim(ticket, 'peerD', 'serverD')).toBe('unknown');
    expect(table.holds('peerD')).toBe(true);
    expect(table.holds('peerE')).toBe(false);
    table.release(id, 'peerD', 1);
    expect(table.size).toBe(0);
  });

  test('a ticket issued for an unknown recipient goes to whoever claims it first', () => {
    const table = new ObjectTable(1_000);
    const { ticket } = table.issueTicket({});
    expect(table.claim(ticket, 'peerE', 'anyone')).toBe('claimed');
    expect(table.holds('peerE')).toBe(true);
  });

  test('a ticket coming home is consumed; tickets expire and die with their destination', () => {
    const table = new ObjectTable(1_000);
    const a = table.issueTicket({}, 'serverD', 0);
    table.issueTicket({}, 'serverE', 0);
    const c = table.issueTicket({}, 'serverF', 500);
    expect(table.size).toBe(3);
    table.consumeTicket(a.ticket);
    table.dropTicketsFor('serverE');
    expect(table.size).toBe(1);
    table.expireTickets(1_499);
    expect(table.get(c.obj)).toBeDefined();
    table.expireTickets(1_500);
    expect(table.size).toBe(0);
  });

  test('a holder that goes away gives back everything it held', () => {
    const table = new ObjectTable(1_000);
    const x = table.grant({}, 'peerA');
    table.grant({}, 'peerA');
    table.grant({}, 'peerA');
    table.grant(table.get(x), 'peerB');
    table.dropHolder('peerA');
    expect(table.size).toBe(1);
    expect(table.holds('peerB')).toBe(true);
  });

  test('a ticket for an object already lent out shares its entry', () => {
    const table = new ObjectTable(1_000);
    const obj = {};
    const id = table.grant(obj, 'peerB');
    const ticket = table.issueTicketFor(id, 'serverD');
    table.release(id, 'peerB', 1);
    expect(table.get(id)).toBe(obj);
    table.consumeTicket(ticket);
    expect(table.size).toBe(0);
    expect(() => table.issueTicketFor(id, 'serverD')).toThrow(NotFoundError);
  });

  test('an object is reached only by a holder of a reference to it', () => {
    const table = new ObjectTable(1_000);
    const obj = {};
    const id = table.grant(obj, 'peerA');
    expect(table.getFor(id, 'peerA')).toBe(obj);
    expect(() => table.getFor(id, 'peerB')).toThrow(NotFoundError);
    const { ticket } = table.issueTicket(obj, 'serverB');
    expect(() => table.getFor(id, 'peerB')).toThrow(NotFoundError);
    table.claim(ticket, 'peerB', 'serverB');
    expect(table.getFor(id, 'peerB')).toBe(obj);
  });
});
