import { describe, expect, test } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import { logSocketSecurity } from '../../src/log/socket-security.js';
import { privateEndpoint } from '../../src/transport/private-dir.js';
import { deriveCurveKeys } from '../../src/transport/curve.js';

describe('logSocketSecurity', () => {
  test.each([privateEndpoint('log'), 'ipc:///tmp/shared.sock', 'tcp://127.0.0.1:*', 'tcp://[::1]:5555', 'inproc://logs'])('%s needs no options', (address) => {
    expect(logSocketSecurity(address, 'bind')).toEqual({});
    expect(logSocketSecurity(address, 'connect')).toEqual({});
  });

  test.each([
    ['bind', 'tcp://0.0.0.0:*', 'binds'],
    ['connect', 'tcp://192.0.2.1:5555', 'connects to'],
  ] as const)('%s %s is refused with an empty key', (role, address, verb) => {
    const attempt = (): unknown => logSocketSecurity(address, role, '--connect', '');
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(`--connect "${address}" is reachable from other machines, so its log link needs a key, and an empty authkey was given (a log socket that ${verb} such an address without CURVE would let strangers feed or read the log)`);
  });

  test('an address other machines reach is CURVE with the keys derived from the authkey', () => {
    const keys = deriveCurveKeys(Buffer.from('log-key'));
    const bind = logSocketSecurity('tcp://0.0.0.0:*', 'bind', 'address', 'log-key');
    expect(bind).toEqual({ curveServer: true, curveSecretKey: keys.server.secretKey, zapDomain: expect.stringMatching(/^zeroproc-log-[0-9a-f]{16}$/) });
    expect(logSocketSecurity('tcp://192.0.2.1:5555', 'connect', 'address', 'log-key')).toEqual({
      curveServerKey: keys.server.publicKey, curvePublicKey: keys.client.publicKey, curveSecretKey: keys.client.secretKey,
    });
  });
});
