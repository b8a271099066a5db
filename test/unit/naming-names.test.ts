/** Name, prefix, metadata and filter checks of the name server, and `zpname:` URIs. */
import { expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkFilter, checkMetadata, checkName, checkPrefix, matches, nameOfUri, type NameEntry } from '../../src/naming/names.js';

test('names: letters, digits, _ . : - up to 200 characters, not starting with . : -', () => {
  for (const ok of ['a', 'shop.main', 'example.banks.ABN', 'svc:v2', 'x_y-z', '_hidden', '0'.repeat(200)]) expect(() => checkName('register', ok)).not.toThrow();
  for (const bad of ['', '.a', '-a', ':a', 'a/b', 'a b', 'é', 'a\n', '0'.repeat(201), 42, null, undefined]) {
    expect(() => checkName('register', bad)).toThrow(InvalidArgumentError);
  }
  expect(() => checkName('lookup', 'a/b')).toThrow('lookup: a name must be 1 to 200 characters of letters, digits, "_", ".", ":" and "-", not starting with ".", ":" or "-", got "a/b"');
});

test('prefixes may be empty or start with any name character', () => {
  for (const ok of ['', '.', 'shop.', 'a-']) expect(() => checkPrefix('list', ok)).not.toThrow();
  for (const bad of ['a/', '*', 'x'.repeat(201), 3]) expect(() => checkPrefix('list', bad)).toThrow(InvalidArgumentError);
});

test('metadata: at most 32 short string pairs; a __proto__ key stays a key', () => {
  const clean = checkMetadata('register', JSON.parse('{"__proto__":"x","region":"eu"}'));
  expect(Object.keys(clean)).toEqual(['__proto__', 'region']);
  expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
  expect(() => checkMetadata('register', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, ''])))).toThrow('register: metadata must have at most 32 keys, got 33');
  for (const bad of [null, [], 'x', { a: 1 }, { a: 'x'.repeat(257) }, { ['k'.repeat(257)]: 'v' }, { '': 'v' }]) {
    expect(() => checkMetadata('register', bad)).toThrow(InvalidArgumentError);
  }
});

test('filters hold only metadata; an entry matches its prefix and every pair', () => {
  expect(() => checkFilter('list', { tags: ['a'] })).toThrow('list: unknown filter `tags` (known: metadata)');
  expect(() => checkFilter('list', [])).toThrow(InvalidArgumentError);
  const entry = { name: 'shop.eu', metadata: { region: 'eu', tier: '1' } } as unknown as NameEntry;
  expect(matches(entry, 'shop.', {})).toBe(true);
  expect(matches(entry, 'shop.', { metadata: { region: 'eu' } })).toBe(true);
  expect(matches(entry, 'shop.', { metadata: { region: 'eu', tier: '2' } })).toBe(false);
  expect(matches(entry, 'bank.', {})).toBe(false);
});

test('zpname: URIs name one valid name', () => {
  expect(nameOfUri('resolveName', 'zpname:shop.main')).toBe('shop.main');
  for (const bad of ['shop', 'zpname:', 'zpname:a/b', 'PYRONAME:shop', 7]) expect(() => nameOfUri('resolveName', bad)).toThrow(InvalidArgumentError);
});
