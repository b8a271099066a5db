import { NotFoundError } from '../errors.js';

interface Entry {
  id: number;
  obj: object;
  /** References held, by peer (routing id) or by pending ticket (`ticket:N`). */
  holders: Map<string, number>;
  total: number;
}

interface Ticket {
  entry: Entry;
  expires: number;
  /** Id of the server the ticket was sent to, when known ('' otherwise). */
  destination: string;
}

/**
 * A server's table of objects handed out by reference. An object lives while any holder has a
 * reference to it: a peer that received it, or a ticket travelling to a third process. Ids are
 * never reused, so a stale reference finds nothing rather than the wrong object.
 */
export class ObjectTable {
  private readonly byId = new Map<number, Entry>();
  private readonly byObject = new Map<object, Entry>();
  private readonly tickets = new Map<number, Ticket>();
  private nextId = 1;
  private nextTicket = 1;

  /**
   * @param onEmpty called when the last object leaves the table
   */
  constructor(private readonly ticketTtl: number, private readonly onEmpty: () => void = () => {}) {}

  /** Number of live objects. */
  get size(): number {
    return this.byId.size;
  }

  private entryFor(obj: object): Entry {
    let entry = this.byObject.get(obj);
    if (!entry) {
      entry = { id: this.nextId++, obj, holders: new Map(), total: 0 };
      this.byId.set(entry.id, entry);
      this.byObject.set(obj, entry);
    }
    return entry;
  }

  private add(entry: Entry, holder: string, n: number): void {
    entry.holders.set(holder, (entry.holders.get(holder) ?? 0) + n);
    entry.total += n;
  }

  private remove(entry: Entry, holder: string, n: number): void {
    const held = entry.holders.get(holder) ?? 0;
    const k = Math.min(held, n);
    if (k <= 0) return;
    if (held === k) entry.holders.delete(holder);
    else entry.holders.set(holder, held - k);
    entry.total -= k;
    if (entry.total === 0) {
      this.byId.delete(entry.id);
      this.byObject.delete(entry.obj);
      if (this.byId.size === 0) this.onEmpty();
    }
  }

  /** Counts one reference to `obj` for `peer`; returns the object id. */
  grant(obj: object, peer: string): number {
    const entry = this.entryFor(obj);
    this.add(entry, peer, 1);
    return entry.id;
  }

  /**
   * Holds `obj` for a reference in transit to a process that will claim it; returns id and
   * ticket. `destination` names the server the reference is sent to, when known.
   */
  issueTicket(obj: object, destination = '', now = Date.now()): { obj: number; ticket: number } {
    const entry = this.entryFor(obj);
    const ticket = this.nextTicket++;
    this.tickets.set(ticket, { entry, expires: now + this.ticketTtl, destination });
    this.add(entry, `ticket:${ticket}`, 1);
    return { obj: entry.id, ticket };
  }

  /** A ticket for an object already in the table (a peer forwarding its reference to server `destination`). */
  issueTicketFor(id: number, destination = ''): number {
    return this.issueTicket(this.get(id), destination).ticket;
  }

  /** Moves a ticket's reference to `peer`. Unknown or expired tickets are ignored. */
  claim(ticket: number, peer: string): void {
    const t = this.tickets.get(ticket);
    if (!t) return;
    this.tickets.delete(ticket);
    this.add(t.entry, peer, 1);
    this.remove(t.entry, `ticket:${ticket}`, 1);
  }

  /** Drops a ticket (its reference came back to this server). */
  consumeTicket(ticket: number): void {
    const t = this.tickets.get(ticket);
    if (!t) return;
    this.tickets.delete(ticket);
    this.remove(t.entry, `ticket:${ticket}`, 1);
  }

  /** Releases `count` references `peer` holds on object `id`. */
  release(id: number, peer: string, count: number): void {
    const entry = this.byId.get(id);
    if (entry) this.remove(entry, peer, count);
  }

  /** Releases everything `peer` holds (it said goodbye, disconnected or died). */
  dropHolder(peer: string): void {
    for (const entry of [...this.byId.values()]) {
      const n = entry.holders.get(peer);
      if (n) this.remove(entry, peer, n);
    }
  }

  /** Drops the tickets sent to server `destination` (its process is gone and will claim nothing). */
  dropTicketsFor(destination: string): void {
    if (!destination) return;
    for (const [ticket, t] of this.tickets) if (t.destination === destination) this.consumeTicket(ticket);
  }

  /** Drops tickets nobody claimed in time. */
  expireTickets(now = Date.now()): void {
    for (const [ticket, t] of this.tickets) if (t.expires <= now) this.consumeTicket(ticket);
  }

  /** The object with id `id`; NotFoundError naming it when it is not (or no longer) here. */
  get(id: number): object {
    const entry = this.byId.get(id);
    if (!entry) throw new NotFoundError(`object #${id} does not exist on this server (never existed, or was released)`);
    return entry.obj;
  }

  /** Whether `peer` holds any reference. */
  holds(peer: string): boolean {
    for (const entry of this.byId.values()) if (entry.holders.has(peer)) return true;
    return false;
  }
}
