import { NotFoundError } from '../errors.js';
import { randomId } from './random-id.js';

/**
 * An object in the table with a method under this key is told when its last reference goes (a
 * stream source stops its producer then).
 */
export const whenDropped = Symbol('whenDropped');

interface Entry {
  id: string;
  /** The object; once revoked, a placeholder, so the table no longer keeps the object alive. */
  obj: object;
  /** References held, by peer (routing id) or by pending ticket (`ticket:<id>`). */
  holders: Map<string, number>;
  total: number;
  /** The server took the object back: its references stay counted until released, and find nothing. */
  revoked: boolean;
}

/** What a revoked entry holds instead of its object. */
const REVOKED = Object.freeze({});

interface Ticket {
  entry: Entry;
  expires: number;
  /** Who may claim it (see `recipientOf` in messages.ts); '' when the issuer did not know. */
  recipient: string;
}

/** What became of a claim. */
export type ClaimOutcome = 'claimed' | 'unknown' | 'refused';

/**
 * A server's table of objects handed out by reference. An object lives while any holder has a
 * reference to it: a peer that received it, or a ticket travelling to a third process. Ids and
 * tickets are 128 random bits, never reused: a stale or guessed reference finds nothing rather
 * than the wrong object. A revoked object leaves a tombstone under its id until its last
 * reference is released, so its holders learn it was revoked (and the tombstones are bounded by
 * the references, as the entries were).
 */
export class ObjectTable {
  private readonly byId = new Map<string, Entry>();
  private readonly byObject = new Map<object, Entry>();
  private readonly tickets = new Map<string, Ticket>();
  /** Tombstones in `byId`. */
  private revokedCount = 0;

  /**
   * @param onEmpty called when the last object leaves the table
   */
  constructor(private readonly ticketTtl: number, private readonly onEmpty: () => void = () => {}) {}

  /** Number of live objects (revoked ones not counted). */
  get size(): number {
    return this.byId.size - this.revokedCount;
  }

  /** Whether some client holds a reference to `obj` (revoked objects are not held). */
  isHeld(obj: object): boolean {
    return this.byObject.has(obj);
  }

  private entryFor(obj: object): Entry {
    let entry = this.byObject.get(obj);
    if (!entry) {
      entry = { id: randomId(), obj, holders: new Map(), total: 0, revoked: false };
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
      if (entry.revoked) this.revokedCount--;
      else {
        this.byObject.delete(entry.obj);
        (entry.obj as { [whenDropped]?: () => void })[whenDropped]?.();
      }
      if (this.size === 0) this.onEmpty();
    }
  }

  /** Counts one reference to `obj` for `peer`; returns the object id. */
  grant(obj: object, peer: string): string {
    const entry = this.entryFor(obj);
    this.add(entry, peer, 1);
    return entry.id;
  }

  /**
   * Holds `obj` for a reference in transit to a process that will claim it; returns id and
   * ticket. Only a claim naming `recipient` takes it ('' lets any claim take it).
   */
  issueTicket(obj: object, recipient = '', now = Date.now()): { obj: string; ticket: string } {
    const entry = this.entryFor(obj);
    const ticket = randomId();
    this.tickets.set(ticket, { entry, expires: now + this.ticketTtl, recipient });
    this.add(entry, `ticket:${ticket}`, 1);
    return { obj: entry.id, ticket };
  }

  /** A ticket for an object already in the table (a peer forwarding its reference to `recipient`). */
  issueTicketFor(id: string, recipient = ''): string {
    return this.issueTicket(this.get(id), recipient).ticket;
  }

  /**
   * Moves a ticket's reference to `peer`, when `recipient` is the one the ticket was issued
   * for. A refused claim leaves the ticket to its rightful recipient; an unknown, already
   * claimed or expired one does nothing.
   */
  claim(ticket: string, peer: string, recipient: string): ClaimOutcome {
    const t = this.tickets.get(ticket);
    if (!t) return 'unknown';
    if (t.recipient !== '' && t.recipient !== recipient) return 'refused';
    this.tickets.delete(ticket);
    this.add(t.entry, peer, 1);
    this.remove(t.entry, `ticket:${ticket}`, 1);
    return 'claimed';
  }

  /** Drops a ticket (its reference came back to this server). */
  consumeTicket(ticket: string): void {
    const t = this.tickets.get(ticket);
    if (!t) return;
    this.tickets.delete(ticket);
    this.remove(t.entry, `ticket:${ticket}`, 1);
  }

  /** Releases `count` references `peer` holds on object `id`. */
  release(id: string, peer: string, count: number): void {
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

  /** Drops the tickets issued for `recipient` (its process is gone and will claim nothing). */
  dropTicketsFor(recipient: string): void {
    if (!recipient) return;
    for (const [ticket, t] of this.tickets) if (t.recipient === recipient) this.consumeTicket(ticket);
  }

  /** Drops tickets nobody claimed in time. */
  expireTickets(now = Date.now()): void {
    for (const [ticket, t] of this.tickets) if (t.expires <= now) this.consumeTicket(ticket);
  }

  /**
   * Takes `obj` back: every reference to it (held by any peer, or travelling with a ticket) finds
   * NotFoundError "revoked" from now on. Handing the object out again gives it a new id. Returns
   * whether it had been handed out.
   */
  revoke(obj: object): boolean {
    const entry = this.byObject.get(obj);
    if (!entry) return false;
    this.byObject.delete(obj);
    entry.obj = REVOKED;
    entry.revoked = true;
    this.revokedCount++;
    // a revoked stream source stops its producer as if its consumer had gone
    (obj as { [whenDropped]?: () => void })[whenDropped]?.();
    if (this.size === 0) this.onEmpty();
    return true;
  }

  /** The object with id `id`; NotFoundError naming it when it is not (or no longer) here. */
  get(id: string): object {
    const entry = this.byId.get(id);
    if (!entry) throw new NotFoundError(`object ${id} does not exist on this server (never handed out by it, or released)`);
    if (entry.revoked) throw revokedError(id);
    return entry.obj;
  }

  /**
   * The object with id `id` when `holder` holds a reference to it. Anyone else gets the same
   * NotFoundError as for an id that does not exist: knowing an id is not holding it.
   */
  getFor(id: string, holder: string): object {
    const entry = this.byId.get(id);
    if (!entry?.holders.has(holder)) throw new NotFoundError(`object ${id} does not exist on this server, or was never handed to this client (or it released it)`);
    if (entry.revoked) throw revokedError(id);
    return entry.obj;
  }

  /** Whether `peer` holds any reference. */
  holds(peer: string): boolean {
    for (const entry of this.byId.values()) if (entry.holders.has(peer)) return true;
    return false;
  }
}

function revokedError(id: string): NotFoundError {
  return new NotFoundError(`object ${id} was revoked by its server`);
}
