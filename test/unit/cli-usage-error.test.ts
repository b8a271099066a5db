import { parseArgs } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { optionValuesJoined, UsageError } from '../../src/cli/command.js';
import { ZeroprocError } from '../../src/errors.js';

test('UsageError is a ZeroprocError with a stable code', () => {
  const err = new UsageError('-n expects a number');
  expect(err).toBeInstanceOf(ZeroprocError);
  expect(err.code).toBe('ERR_INVALID_ARGUMENT');
  expect(err.name).toBe('UsageError');
  expect(err.message).toBe('-n expects a number');
});

describe('optionValuesJoined', () => {
  const options = { admit: { type: 'string' }, name: { type: 'string', short: 'n' }, json: { type: 'boolean', short: 'j' } } as const;

  test('a value that begins with "-" after a string option is that option\u2019s value', () => {
    expect(optionValuesJoined(['--admit', '-abc', '--json', '-n', '-x', 'pos'], options)).toEqual(['--admit=-abc', '--json', '--name=-x', 'pos']);
    const { values, positionals } = parseArgs({ args: optionValuesJoined(['--admit', '-k', '-j', '--', '-n', '-x'], options), options, strict: true, allowPositionals: true });
    expect(values).toEqual({ admit: '-k', json: true });
    expect(positionals).toEqual(['-n', '-x']);
  });

  test('everything else is left as it was: boolean options, joined values, "--" and what follows it', () => {
    const args = ['--json', '-j', '--admit=-a', '--name', 'plain', '--', '--admit', '-b'];
    expect(optionValuesJoined(args, options)).toEqual(args);
    // a string option at the end, or before "--", still gets parseArgs' own error
    expect(() => parseArgs({ args: optionValuesJoined(['--admit'], options), options, strict: true })).toThrow(/argument missing/);
    expect(() => parseArgs({ args: optionValuesJoined(['--admit', '--'], options), options, strict: true, allowPositionals: true })).toThrow(/ambiguous/);
  });

  test('an option of the command after a string option is not taken as its value', () => {
    expect(optionValuesJoined(['--admit', '--json', '--name', '-j'], options)).toEqual(['--admit', '--json', '--name', '-j']);
    expect(() => parseArgs({ args: optionValuesJoined(['--admit', '--json'], options), options, strict: true })).toThrow(/ambiguous|argument missing/);
    expect(optionValuesJoined(['--name', '--admit=-k'], options)).toEqual(['--name', '--admit=-k']);
  });
});
