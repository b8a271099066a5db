import { describe, expect, test } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { curveKeyPair } from 'zeromq';
import { setDiagnosticSink } from '../../src/diagnostics.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { CURVE_DERIVATION, curvePublicKey, deriveCurveKeys, linkSecurity, z85Decode, z85Encode } from '../../src/transport/curve.js';
import { answer } from '../../src/transport/zap.js';
import { privateEndpoint } from '../../src/transport/private-dir.js';
import { zmqOptions } from '../../src/transport/socket-options.js';

describe('Z85', () => {
  test('the test vector of ZeroMQ RFC 32', () => {
    const bytes = Buffer.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect(z85Decode('HelloWorld').equals(bytes)).toBe(true);
  });

  test('round trips random keys; refuses what is not Z85', () => {
    const key = randomBytes(32);
    expect(z85Decode(z85Encode(key)).equals(key)).toBe(true);
    expect(() => z85Encode(Buffer.alloc(3))).toThrow(InvalidArgumentError);
    expect(() => z85Decode('Hello')).not.toThrow();
    expect(() => z85Decode('Hell')).toThrow(/multiple of 5/);
    expect(() => z85Decode('Hell~')).toThrow(/"~" is not a Z85 character/);
    expect(() => z85Decode('#####')).toThrow(/out of range/);
  });
});

describe('CURVE keys', () => {
  test('the public key of a secret key is the one libzmq computes (known answers from zmq_curve_keypair)', () => {
    for (let i = 0; i < 5; i++) {
      const pair = curveKeyPair();
      expect(z85Encode(curvePublicKey(z85Decode(pair.secretKey)))).toBe(pair.publicKey);
    }
  });

  test('derivation is HKDF-SHA256 with the documented labels, distinct for server and client, stable', () => {
    const key = Buffer.from('correct horse battery staple');
    const keys = deriveCurveKeys(key);
    // HKDF for one block, spelled out as a client in another language would (RFC 5869)
    const hkdf = (info: string) => {
      const prk = createHmac('sha256', CURVE_DERIVATION.salt).update(key).digest();
      return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info), Buffer.of(1)])).digest();
    };
    expect(z85Decode(keys.server.secretKey!).equals(hkdf('zeroproc server key'))).toBe(true);
    expect(z85Decode(keys.client.secretKey).equals(hkdf('zeroproc client key'))).toBe(true);
    expect(keys.server.publicKey).not.toBe(keys.client.publicKey);
    expect(deriveCurveKeys(Buffer.from(key))).toEqual(keys);
    expect(deriveCurveKeys(Buffer.from('another key')).server.publicKey).not.toBe(keys.server.publicKey);
  });
});

describe('which mechanism a link uses, from its address alone', () => {
  const key = Buffer.from('k');
  test('private ipc and inproc: the kernel or the process authenticates, no key used', () => {
    expect(linkSecurity(privateEndpoint('unit'), key, 'server').mechanism).toBe('private');
    expect(linkSecurity(privateEndpoint('unit'), undefined, 'client').mechanism).toBe('private');
    expect(linkSecurity('inproc://x', undefined, 'server').mechanism).toBe('private');
  });

  test('anything else with a key is CURVE; without one, local addresses only', () => {
    expect(linkSecurity('tcp://127.0.0.1:1', key, 'client').mechanism).toBe('curve');
    expect(linkSecurity('ipc:///tmp/shared.sock', key, 'server').mechanism).toBe('curve');
    expect(linkSecurity('tcp://192.0.2.1:1', key, 'client').mechanism).toBe('curve');
    expect(linkSecurity('tcp://127.0.0.1:1', undefined, 'server').mechanism).toBe('open');
    expect(linkSecurity('ipc:///tmp/shared.sock', undefined, 'client').mechanism).toBe('open');
    expect(() => linkSecurity('tcp://0.0.0.0:*', undefined, 'server')).toThrow(/refusing to bind tcp:\/\/0\.0\.0\.0:\* without an authkey/);
    expect(() => linkSecurity('tcp://192.0.2.1:1', undefined, 'client')).toThrow(/refusing to connect to tcp:\/\/192\.0\.2\.1:1 without an authkey/);
  });
});

describe('ZAP replies (RFC 27)', () => {
  const request = (domain: string, mechanism: string, key: Buffer, version = '1.0') =>
    [Buffer.from('route'), Buffer.alloc(0), Buffer.from(version), Buffer.from('req-7'), Buffer.from(domain), Buffer.from('127.0.0.1'), Buffer.alloc(0), Buffer.from(mechanism), key];

  test('an unknown domain or a bad version is refused, echoing the request id; refusals are reported once per peer', () => {
    const reported: string[] = [];
    setDiagnosticSink((_level, message) => reported.push(message));
    try {
      const reply = answer(request('no-such-domain', 'CURVE', randomBytes(32)))!;
      expect(reply.map(String)).toEqual(['route', '', '1.0', 'req-7', '400', 'unknown domain', '', '']);
      expect(answer(request('no-such-domain', 'CURVE', randomBytes(32)))![4]!.toString()).toBe('400');
      expect(answer(request('no-such-domain', 'CURVE', randomBytes(32), '2.0'))![4]!.toString()).toBe('500');
      expect(answer([Buffer.from('route'), Buffer.from('not empty')])).toBeUndefined();
      expect(reported).toEqual(['refused a connection from 127.0.0.1: unknown ZAP domain']);
    } finally {
      setDiagnosticSink(undefined);
    }
  });
});

describe('socket options', () => {
  test('ZMTP heartbeats are off and cannot be turned on (a stranger could turn them into a libzmq abort)', () => {
    const options = zmqOptions({ heartbeatInterval: 5_000 } as never, 'tcp://127.0.0.1:1');
    expect(options.heartbeatInterval).toBe(0);
    expect(Object.keys(options).filter((k) => /heartbeat/i.test(k))).toEqual(['heartbeatInterval']);
  });
});
