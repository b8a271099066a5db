/**
 * The exposure policy (src/rpc/exposure.ts) and revocation in the object table, without sockets:
 * what is worked out once per class, what a lookup finds, and what a tombstone answers.
 */
import { describe, expect, test } from '@jest/globals';
import { NotExposedError, NotFoundError } from '../../src/errors.js';
import { builtinRefusal, classPolicy, DEFAULT_POLICY, declaredOneway, exposedValue, memberRefusal, policyOf, setObjectPolicy } from '../../src/rpc/exposure.js';
import { ObjectTable } from '../../src/rpc/object-table.js';

class Plain {
  _hidden = 1;
  shown = 2;
  method(): number {
    return 1;
  }
}

class Declared {
  static expose = ['a'] as const;
  static oneway = ['note'] as const;
  static tell = ['ping'] as const;
  a = 1;
  b = 2;
  note(): void {}
  ping(): void {}
}

class Sub extends Declared {}

describe('policies', () => {
  test('objects that declare nothing share the one default policy (nothing is allocated per object)', () => {
    expect(policyOf({})).toBe(DEFAULT_POLICY);
    expect(policyOf(new Plain())).toBe(DEFAULT_POLICY);
    expect(policyOf(Object.create(null) as object)).toBe(DEFAULT_POLICY);
    expect(policyOf(() => 1)).toBe(DEFAULT_POLICY);
  });

  test('a class policy is worked out once, inherited by subclasses, and exposes its oneway methods', () => {
    const policy = classPolicy(Declared);
    expect(classPolicy(Declared)).toBe(policy);
    expect(policyOf(new Declared())).toBe(policy);
    expect([...policy.oneway].sort()).toEqual(['note', 'ping']);
    expect([...policy.expose!].sort()).toEqual(['a', 'note', 'ping']);
    expect(policyOf(new Sub()).onewayList).toEqual(policy.onewayList);
  });

  test('static tell and static oneway fill one table; a malformed one names the class', () => {
    expect([...declaredOneway(Declared)].sort()).toEqual(['note', 'ping']);
    class Bad {
      static oneway = 'note';
    }
    expect(() => declaredOneway(Bad as never)).toThrow('class Bad: `static oneway` must be an array of method names, got "note"');
    expect(() => declaredOneway(Bad as never, 'actor class Bad')).toThrow('actor class Bad: `static oneway`');
  });

  test("a published object's own policy overrides its class's, field by field", () => {
    const obj = new Declared();
    setObjectPolicy('publish("x")', obj, { oneway: ['a'] });
    expect([...policyOf(obj).oneway]).toEqual(['a']);
    // the class's expose list is kept, and the new oneway method is exposed
    expect([...policyOf(obj).expose!].sort()).toEqual(['a']);
    expect(policyOf(new Declared())).toBe(classPolicy(Declared));
  });
});

describe('member checks', () => {
  test('by default: `_private` names and inherited accessors of functions are refused, the rest is not', () => {
    expect(memberRefusal(new Plain(), '_hidden')).toBeInstanceOf(NotExposedError);
    expect(memberRefusal(new Plain(), '_hidden')!.message).toBe('"_hidden" of Plain is not exposed: members whose name starts with "_" are private unless the object exposes them by name');
    expect(memberRefusal(new Plain(), 'shown')).toBeUndefined();
    expect(memberRefusal(function named() {}, 'caller')!.message).toMatch(/^"caller" of function named is not exposed/);
  });

  test('with a list: only listed names, whatever they are', () => {
    const obj = new Declared();
    expect(memberRefusal(obj, 'a')).toBeUndefined();
    expect(memberRefusal(obj, 'b')!.message).toBe('"b" of Declared is not exposed: its server lists the members clients may reach, and this is not one');
  });

  test('a built-in is refused when the member read is that built-in, not when the class defines its own', () => {
    const plain = new Plain();
    expect(builtinRefusal(plain, 'toString', plain.toString)).toBeInstanceOf(NotExposedError);
    expect(builtinRefusal(plain.method, 'call', plain.method.call)).toBeInstanceOf(NotExposedError);
    class Own {
      toString(): string {
        return 'own';
      }
    }
    const own = new Own();
    expect(builtinRefusal(own, 'toString', own.toString)).toBeUndefined();
    // a data field named like a built-in is data
    expect(builtinRefusal({ length: 0, name: '' }, 'length', 0)).toBeUndefined();
  });

  test('by value, a class instance shows what a client could read; data and value types go as they are', () => {
    expect(exposedValue(new Plain())).toEqual({ shown: 2 });
    expect(exposedValue(new Declared())).toEqual({ a: 1 });
    const data = { _id: 1 };
    expect(exposedValue(data)).toBe(data);
    const date = new Date(0);
    expect(exposedValue(date)).toBe(date);
  });
});

describe('revocation in the object table', () => {
  test('a revoked object answers "revoked" to its holders until they release it, and is handed out anew under a new id', () => {
    let emptied = 0;
    const table = new ObjectTable(1_000, () => emptied++);
    const obj = { n: 1 };
    const id = table.grant(obj, 'peer-a');
    expect(table.revoke(obj)).toBe(true);
    expect(table.size).toBe(0);
    expect(emptied).toBe(1);
    expect(() => table.getFor(id, 'peer-a')).toThrow(new NotFoundError(`object ${id} was revoked by its server`));
    expect(() => table.get(id)).toThrow(/was revoked/);
    // someone who never held it learns nothing more than for any unknown id
    expect(() => table.getFor(id, 'peer-b')).toThrow(/does not exist on this server, or was never handed to this client/);
    expect(table.revoke(obj)).toBe(false);
    const again = table.grant(obj, 'peer-a');
    expect(again).not.toBe(id);
    expect(table.getFor(again, 'peer-a')).toBe(obj);
    // the tombstone goes with its last reference
    table.release(id, 'peer-a', 1);
    expect(() => table.getFor(id, 'peer-a')).toThrow(/does not exist/);
    expect(table.size).toBe(1);
  });
});
