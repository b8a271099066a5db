/**
 * Host options and an actor class's declarations (`static tell`, `parallel`, `reentrant`,
 * `mailbox`, `onError`), their defaults and their checks, before anything is created.
 */
import { InvalidArgumentError } from '../errors.js';
import { classPolicy, declaredOneway } from '../rpc/exposure.js';
import type { Authkey } from '../wire/authkey.js';

/** What a failure nobody receives (a throw in a tell, a timer's tick) does to the actor. */
export type OnError = 'resume' | 'restart' | 'stop';

/** Bound of a mailbox. */
export interface MailboxOptions {
  /** Messages that may wait (the running one not counted). Default: no bound. */
  max?: number;
}

/** Options of {@link createHost}. */
export interface HostOptions {
  /**
   * Address of the RPC server the host is served on, when the process runs none yet (a spawned
   * child's host always uses the child's server). Default: the RPC server's default address.
   */
  address?: string;
  /** Key of that server (see `RPCServer.start`). */
  authkey?: Authkey;
  /** Name of the host, shown in errors and logs. Default: the process name. */
  name?: string;
  /** Default bound of its actors' mailboxes (an actor's `static mailbox` wins). */
  mailbox?: MailboxOptions;
  /** Default timeout of asks through in-process references, ms. Default 10 000. */
  askTimeout?: number;
}

/** {@link HostOptions} checked, with defaults. */
export interface ResolvedHostOptions {
  address: string | undefined;
  authkey: Authkey | undefined;
  name: string | undefined;
  max: number;
  askTimeout: number;
}

/** What an actor class declares about its messages, checked. */
export interface ActorDeclarations {
  /** Methods sent as tells (`'off'`): `static tell` and `static oneway`, one table (rpc/exposure.ts). */
  tells: ReadonlySet<string>;
  /** Methods that may interleave with other messages at their awaits. */
  parallel: ReadonlySet<string>;
  /** `static expose`: the only messages the actor answers (its tells included); undefined: no list. */
  expose: ReadonlySet<string> | undefined;
  /** Every message may interleave at its awaits. */
  reentrant: boolean;
  /** Mailbox bound, or undefined for the host's default. */
  max: number | undefined;
  onError: OnError;
}

const HOST_KEYS = new Set(['address', 'authkey', 'name', 'mailbox', 'askTimeout']);

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return String(value);
}

function checkMax(where: string, max: unknown): number {
  if (max === undefined) return Infinity;
  if (!(Number.isInteger(max) && (max as number) >= 0) && max !== Infinity) throw new InvalidArgumentError(`${where} \`mailbox.max\` must be an integer >= 0, got ${show(max)}`);
  return max as number;
}

function checkMailbox(where: string, mailbox: unknown): number {
  if (mailbox === undefined) return Infinity;
  if (mailbox === null || typeof mailbox !== 'object') throw new InvalidArgumentError(`${where} \`mailbox\` must be an object { max }, got ${show(mailbox)}`);
  for (const key of Object.keys(mailbox)) if (key !== 'max') throw new InvalidArgumentError(`${where} \`mailbox\` has an unknown key ${JSON.stringify(key)}`);
  return checkMax(where, (mailbox as MailboxOptions).max);
}

/** Checks `createHost` options and fills in defaults. */
export function resolveHostOptions(options: HostOptions = {}): ResolvedHostOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`createHost: options must be an object, got ${show(options)}`);
  for (const key of Object.keys(options)) if (!HOST_KEYS.has(key)) throw new InvalidArgumentError(`createHost: unknown option ${JSON.stringify(key)}`);
  const { address, name, askTimeout = 10_000 } = options;
  if (address !== undefined && (typeof address !== 'string' || !/^(tcp|ipc):\/\/.+/.test(address))) throw new InvalidArgumentError(`createHost: option \`address\` must be a tcp:// or ipc:// address, got ${show(address)}`);
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new InvalidArgumentError(`createHost: option \`name\` must be a non-empty string, got ${show(name)}`);
  if (!(typeof askTimeout === 'number' && askTimeout > 0 && askTimeout <= 2 ** 31 - 1)) throw new InvalidArgumentError(`createHost: option \`askTimeout\` must be 1 to 2147483647 ms, got ${show(askTimeout)}`);
  return { address, authkey: options.authkey, name, max: checkMailbox('createHost: option', options.mailbox), askTimeout };
}

function methodList(cls: string, key: string, value: unknown): Set<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new InvalidArgumentError(`actor class ${cls}: \`static ${key}\` must be an array of method names, got ${show(value)}`);
  return new Set(value as string[]);
}

/** An actor class, with the declarations it may carry. */
export type ActorClassStatics = {
  readonly name: string;
  readonly tell?: readonly string[];
  readonly oneway?: readonly string[];
  readonly expose?: readonly string[];
  readonly parallel?: readonly string[];
  readonly reentrant?: boolean;
  readonly mailbox?: MailboxOptions;
  readonly onError?: OnError;
};

const declared = new WeakMap<object, ActorDeclarations>();

/** Reads and checks what `Class` declares (once per class). */
export function actorDeclarations(Class: ActorClassStatics): ActorDeclarations {
  let found = declared.get(Class);
  if (found) return found;
  const cls = Class.name || '(anonymous)';
  // one oneway table for RPC objects and actors: `static tell` and `static oneway` both fill it
  const tells = declaredOneway(Class, `actor class ${cls}`);
  const parallel = methodList(cls, 'parallel', Class.parallel);
  const reentrant = Class.reentrant ?? false;
  if (typeof reentrant !== 'boolean') throw new InvalidArgumentError(`actor class ${cls}: \`static reentrant\` must be a boolean, got ${show(reentrant)}`);
  const onError = Class.onError ?? 'resume';
  if (onError !== 'resume' && onError !== 'restart' && onError !== 'stop') throw new InvalidArgumentError(`actor class ${cls}: \`static onError\` must be 'resume', 'restart' or 'stop', got ${show(onError)}`);
  const max = Class.mailbox === undefined ? undefined : checkMailbox(`actor class ${cls}: \`static\``, Class.mailbox);
  found = { tells, parallel, expose: classPolicy(Class).expose, reentrant, max, onError };
  declared.set(Class, found);
  return found;
}
