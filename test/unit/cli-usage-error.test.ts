import { expect, test } from '@jest/globals';
import { UsageError } from '../../src/cli/command.js';
import { ZeroprocError } from '../../src/errors.js';

test('UsageError is a ZeroprocError with a stable code', () => {
  const err = new UsageError('-n expects a number');
  expect(err).toBeInstanceOf(ZeroprocError);
  expect(err.code).toBe('ERR_INVALID_ARGUMENT');
  expect(err.name).toBe('UsageError');
  expect(err.message).toBe('-n expects a number');
});
