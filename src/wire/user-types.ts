import { InvalidArgumentError } from '../errors.js';

/** How a user class travels by value: a name both sides registered, and a pair of functions. */
export interface TypeDefinition<T> {
  /** Name that identifies the type on the wire; both sides must register the same name. */
  name: string;
  /** The class whose instances this definition encodes (matched by exact constructor). */
  type?: ValueClass<T>;
  /** Alternative to `type`: a predicate that recognises the values. */
  is?: (value: unknown) => value is T;
  /** Turns a value into something the codec can carry (plain data, other registered types...). */
  encode(value: T): unknown;
  /** Rebuilds the value from what `encode` produced. */
  decode(data: unknown): T;
}

/** A class whose instances a {@link TypeDefinition} encodes. */
export type ValueClass<T> = abstract new (...args: never[]) => T;

type AnyDefinition = TypeDefinition<unknown>;

const byName = new Map<string, AnyDefinition>();
const byConstructor = new Map<unknown, AnyDefinition>();
const predicates: AnyDefinition[] = [];

/**
 * Registers an encode/decode pair so values of a user type go by value, as that type, in both
 * codecs. Register the same `name` in every process that sends or receives the type.
 */
export function registerType<T>(definition: TypeDefinition<T>): void {
  const def = definition as unknown as AnyDefinition;
  if (!def.name) throw new InvalidArgumentError('registerType: a type definition needs a name');
  if (!def.type && !def.is) throw new InvalidArgumentError(`registerType(${def.name}): give a \`type\` class or an \`is\` predicate`);
  if (byName.has(def.name)) throw new InvalidArgumentError(`registerType: a type named ${JSON.stringify(def.name)} is already registered`);
  byName.set(def.name, def);
  if (def.type) byConstructor.set(def.type, def);
  else predicates.push(def);
}

/** Removes a registration made with {@link registerType}. */
export function unregisterType(name: string): void {
  const def = byName.get(name);
  if (!def) return;
  byName.delete(name);
  if (def.type) byConstructor.delete(def.type);
  const i = predicates.indexOf(def);
  if (i >= 0) predicates.splice(i, 1);
}

/** The registered definition that claims `value`, if any. */
export function userTypeOf(value: object): AnyDefinition | undefined {
  const def = byConstructor.get(value.constructor);
  if (def) return def;
  for (const p of predicates) if (p.is!(value)) return p;
  return undefined;
}

/** Whether any type is recognised by a predicate (which may claim plain objects too). */
export function hasTypePredicates(): boolean {
  return predicates.length > 0;
}

/** The registered definition named `name`, if any. */
export function userTypeNamed(name: string): AnyDefinition | undefined {
  return byName.get(name);
}
