import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { logSocketSecurity } from '../../src/log/socket-security.js';
import { privateEndpoint } from '../../src/transport/private-dir.js';

describe('logSocketSecurity', () => {
  test.each([privateEndpoint('log'), 'ipc:///tmp/shared.sock', 'tcp://127.0.0.1:*', 'tcp://[::1]:5555', 'inproc://logs'])('%s needs no options', (address) => {
    expect(logSocketSecurity(address, 'bind')).toEqual({});
    expect(logSocketSecurity(address, 'connect')).toEqual({});
  });

  test.each([
    ['bind', 'tcp://0.0.0.0:*', 'binds'],
    ['connect', 'tcp://192.0.2.1:5555', 'connects to'],
  ] as const)('%s %s is refused until log links take a key', (role, address, verb) => {
    const attempt = (): unknown => logSocketSecurity(address, role, '--connect');
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(`--connect must be a loopback or ipc endpoint while log links take no key, got "${address}" (a log socket that ${verb} another address would let strangers feed or read the log)`);
  });
});
