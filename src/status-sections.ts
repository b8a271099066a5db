/**
 * The parts of a process's `zeroproc ps` status that layers above `process/` know about. The
 * actor host reports its actors here: the status itself is collected in `process/status.ts`,
 * which the actor layer may not import (layers import only downward) and which must stay light
 * enough for a child's bootstrap, so it cannot import the actor layer either. Like
 * `idle-exit.ts`, this file imports nothing.
 */

/** One actor, as `zeroproc ps` shows it. */
export interface ActorStatus {
  /** The actor's id in its host. */
  id: string;
  /** The name of its class. */
  className: string;
  /** `starting`, `running`, `stopping` or `stopped`. */
  state: string;
  /** Messages waiting to start (the mailbox depth). */
  queued: number;
  /** Messages started and not finished. */
  running: number;
  /** Asks delivered and not yet answered (queued or running). */
  inFlightAsks: number;
  /** Messages delivered to the actor (tells, asks, reads), since it was spawned. */
  received: number;
  /** Messages taken from the mailbox: run to completion or failure, or dropped as expired asks. */
  processed: number;
  /** Tells a full mailbox dropped. */
  droppedTells: number;
  /** Queued asks dropped because their caller gave up before they ran. */
  expiredAsks: number;
}

let actorsSection: (() => ActorStatus[]) | undefined;
const listeners = new Set<() => void>();

/**
 * Sets what reports this process's actors (the actor host, while it runs); returns the function
 * that withdraws it. Listeners of {@link onStatusSourcesChanged} are told.
 */
export function provideActorStatus(read: () => ActorStatus[]): () => void {
  actorsSection = read;
  changed();
  return () => {
    if (actorsSection !== read) return;
    actorsSection = undefined;
    changed();
  };
}

/** This process's actors, or an empty list without a host. */
export function readActorStatus(): ActorStatus[] {
  return actorsSection?.() ?? [];
}

/** Whether an actor host reports here. */
export function hasActorStatus(): boolean {
  return actorsSection !== undefined;
}

/** Calls `listener` whenever a status source comes or goes; returns the unsubscribe function. */
export function onStatusSourcesChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tells the listeners that a status source came or went (the process layer's children too). */
export function changed(): void {
  for (const listener of listeners) listener();
}
