/**
 * Which error classes keep their class across the wire. An Error value is sent with the wire name
 * of the nearest class in its prototype chain that is registered here; a receiver that has a class
 * registered under that name rebuilds the error as an instance of it. Both sides must register
 * the same class under the same name; a name only one side knows arrives as a plain Error.
 *
 * The receiver never runs a registered class's constructor (it could have side effects, and a
 * peer chooses the name): it builds a real Error whose prototype is the class's (`Reflect.construct`
 * with `Error` and the class as `new.target`), then defines the sent fields as own data properties.
 */
import {
  ActorStoppedError, AlreadyExistsError, AuthError, CancelledError, DisconnectedError, ImportDeniedError, InvalidArgumentError,
  MessageTooLargeError, NotFoundError, NotOwnerError, ProcessExitedError, ProtocolError, QueueFullError, SpawnError, TimeoutError,
} from '../errors.js';
import { checkOptions, satisfies, type OptionRules } from '../option-checks.js';

/** A class of errors that can keep its class across the wire (see {@link registerError}). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Options of {@link registerError}. */
export interface RegisterErrorOptions {
  /**
   * The name the class travels under; both sides must use the same. Default: the class's `name`.
   * 1 to 200 characters.
   */
  name?: string;
}

const registerErrorRules: OptionRules = {
  name: satisfies('a string of 1 to 200 characters', (v) => typeof v === 'string' && v.length >= 1 && v.length <= 200),
};

const byName = new Map<string, ErrorClass>();
const byClass = new Map<unknown, string>();

function add(name: string, cls: ErrorClass): void {
  byName.set(name, cls);
  byClass.set(cls, name);
}

// plain Error stays unregistered: an error of no more precise class arrives as RemoteError
const standard = new Map<string, ErrorClass>();
for (const cls of [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) {
  add(cls.name, cls);
  standard.set(cls.name, cls);
}
// zeroproc's own classes travel under a prefixed name, so that a user's class of the same name
// (a library's `TimeoutError`, a DOMException called `TimeoutError`) is never taken for one of them
for (const cls of [
  TimeoutError, ProcessExitedError, DisconnectedError, AuthError, NotFoundError, AlreadyExistsError, ProtocolError, CancelledError,
  SpawnError, InvalidArgumentError, QueueFullError, MessageTooLargeError, ImportDeniedError, ActorStoppedError, NotOwnerError,
]) add(`zeroproc.${cls.name}`, cls);
const builtIn = new Set(byName.keys());

/**
 * Registers an error class so that its errors keep their class across the wire: thrown by a remote
 * call or sent as a value, they arrive as instances of `cls` (so `instanceof` works), with their
 * message, stack, `cause` and own fields. Register the same class under the same `name` in every
 * process that sends or receives it; a process that has not registered it sees a `RemoteError`
 * (or a plain `Error` for a value). A subclass that is not registered travels as its nearest
 * registered ancestor, with its own `name`. The receiving side does not run the constructor.
 * Registering the same class under the same name again does nothing.
 * @throws InvalidArgumentError when `cls` is not an Error class, or the name or class is taken.
 */
export function registerError(cls: ErrorClass, options: RegisterErrorOptions = {}): void {
  checkOptions('registerError', options, registerErrorRules);
  if (typeof cls !== 'function' || !(cls.prototype instanceof Error)) {
    throw new InvalidArgumentError(`registerError: expected a class that extends Error, got ${typeof cls === 'function' ? `function ${cls.name || '(anonymous)'}` : typeof cls}`);
  }
  const name = options.name ?? cls.name;
  if (!name) throw new InvalidArgumentError('registerError: an anonymous class needs option `name`');
  const taken = byName.get(name);
  const had = byClass.get(cls);
  if (taken === cls && had === name) return;
  if (taken) throw new InvalidArgumentError(`registerError: the name ${JSON.stringify(name)} is already registered for class ${taken.name || '(anonymous)'}`);
  if (had !== undefined) throw new InvalidArgumentError(`registerError: class ${cls.name || '(anonymous)'} is already registered as ${JSON.stringify(had)}`);
  add(name, cls);
}

/** Removes a registration made with {@link registerError}; the built-in ones stay. */
export function unregisterError(cls: ErrorClass): void {
  const name = byClass.get(cls);
  if (name === undefined || builtIn.has(name)) return;
  byClass.delete(cls);
  byName.delete(name);
}

/** The wire name of `err`'s nearest registered class, or undefined when it has none below Error. */
export function errorClassName(err: Error): string | undefined {
  for (let proto = Object.getPrototypeOf(err); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = byClass.get(proto.constructor);
    if (name !== undefined) return name;
  }
  return undefined;
}

/**
 * The class to rebuild an error as: the one registered as `className`, or for an error sent
 * without a class name (by a peer that does not send them) the standard class called `name`.
 */
export function errorClassFor(className: string | undefined, name: string): ErrorClass | undefined {
  return className === undefined ? standard.get(name) : byName.get(className);
}

/**
 * A real Error (V8's error internals, stack capture) whose prototype is `cls`'s, made without
 * running `cls`'s constructor.
 */
export function bareInstance(cls: ErrorClass, message: string, cause: unknown): Error {
  return Reflect.construct(Error, cause === undefined ? [message] : [message, { cause }], cls) as Error;
}
