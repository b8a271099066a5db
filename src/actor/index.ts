/** The actor layer: hosts, actor references (tell/ask/future), timers, one process per actor. */

export { Actor } from './actor.js';
export { ActorHost, createHost, connectHost, lookupUrl, type ConnectHostOptions, type ActorStats } from './host.js';
export { interval, later, type TimerHandle } from './timers.js';
export { spawnActor, shutdown, type SpawnActorOptions } from './spawn-actor.js';
export type { ActorClassStatics, HostOptions, MailboxOptions, OnError } from './options.js';
export type { ActorRef, ActorClass, HostRef, HostProcess, OwnedRef, RefOf, TellsOf } from './types.js';
