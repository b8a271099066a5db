/**
 * Errors keep their class across processes when both sides know it (the standard classes,
 * zeroproc's own, classes registered with registerError), while carrying what a RemoteError
 * carries; an unknown class still arrives as RemoteError; a peer's crafted error cannot run code
 * or reach a prototype.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  ActorStoppedError, connectHost, isRemoteError, NotFoundError, ProtocolError, QueueFullError, registerError, release, RemoteError,
  RPCClient, spawn, TimeoutError, unregisterError, ZeroprocError, type ProcessHandle, type Remote,
} from 'zeroproc';
import { ValidationError } from '../fixtures/rpc/error-classes.js';
import type * as Fixture from '../fixtures/rpc/error-classes.js';
import { FakeServer } from '../helpers/fake-server.js';
import { failure } from '../helpers/failure.js';

const fixture = fileURLToPath(new URL('../fixtures/rpc/error-classes.ts', import.meta.url));

let proc: ProcessHandle;
let mod: Remote<typeof Fixture>;

beforeAll(async () => {
  // importing a TypeScript fixture loads tsx in the child: slow on a loaded machine, so more than the default 10 s
  proc = await spawn({ name: 'thrower', callTimeout: 30_000 });
  mod = await proc.import<typeof Fixture>(fixture);
  await mod.registerChildOnly();
});

afterAll(async () => {
  release(mod);
  await proc.kill();
});

describe('a known class is kept', () => {
  test.each(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError'])('%s', async (name) => {
    const err = await failure(mod.throwStandard(name));
    expect(err.constructor.name).toBe(name);
    expect(Object.getPrototypeOf(err)).toBe((globalThis as unknown as Record<string, { prototype: object }>)[name]!.prototype);
    expect(err).toBeInstanceOf(RemoteError);
    expect(isRemoteError(err)).toBe(true);
    expect(err.message).toBe(`a ${name} in the child`);
    expect((err as unknown as { detail: number }).detail).toBe(7);
    if (!isRemoteError(err)) throw new Error('unreachable');
    expect(err.remoteName).toBe(name);
    expect(err.remoteMessage).toBe(`a ${name} in the child`);
    expect(err.origin).toEqual({ server: 'thrower', pid: proc.pid, host: expect.any(String) });
    expect(err.fields).toEqual({ detail: 7 });
    expect(err.remoteStack).toContain('throwStandard');
    // the caller's line, then the remote stack
    expect(err.stack).toMatch(/rpc-error-classes\.test\.ts[\s\S]*--- remote stack \(thrower, pid \d+ on .+\) ---[\s\S]*throwStandard/);
    // what it carries as a remote error is not among its own fields, which stay the remote's
    expect(Object.keys(err)).toEqual(['detail']);
  });

  test('an AggregateError keeps its errors, each of its class', async () => {
    const err = await failure(mod.throwAggregate());
    expect(err).toBeInstanceOf(AggregateError);
    expect(err).toBeInstanceOf(RemoteError);
    const errors = (err as AggregateError).errors as Error[];
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect(errors[0]!.message).toBe('first');
    expect(errors[1]).toBeInstanceOf(ValidationError);
    expect((errors[1] as ValidationError).field).toBe('qty');
    expect(Object.keys(err)).toEqual([]);
  });

  test('a class registered on both sides arrives as that class, without running its constructor here', async () => {
    const before = ValidationError.constructed;
    const err = await failure(mod.throwValidation('age'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(RemoteError);
    const v = err as ValidationError & RemoteError;
    expect(v.field).toBe('age');
    expect(v.code).toBe('E_VALIDATION');
    expect(v.remoteCode).toBe('E_VALIDATION');
    expect(v.name).toBe('ValidationError');
    expect(v.message).toBe('age is invalid');
    expect(v.describe()).toBe('age: age is invalid');
    expect(v.origin.pid).toBe(proc.pid);
    expect(ValidationError.constructed).toBe(before);
  });

  test('as a value it keeps its class too, and is not marked remote', async () => {
    const value = await mod.returnValidation();
    expect(value).toBeInstanceOf(ValidationError);
    expect(value.field).toBe('name');
    expect(isRemoteError(value)).toBe(false);
  });

  test('an unregistered subclass of a standard class arrives as that class, with its own name', async () => {
    const err = await failure(mod.throwOutOfStock());
    expect(err).toBeInstanceOf(RangeError);
    expect(err.name).toBe('OutOfStockError');
    expect((err as RemoteError).remoteName).toBe('OutOfStockError');
  });

  test("zeroproc's own errors thrown by remote code arrive as their classes, with their fields", async () => {
    const full = await failure(mod.throwZeroproc('queue'));
    expect(full).toBeInstanceOf(QueueFullError);
    expect(full).toBeInstanceOf(ZeroprocError);
    expect((full as QueueFullError).code).toBe('ERR_QUEUE_FULL');
    const stopped = await failure(mod.throwZeroproc('stopped'));
    expect(stopped).toBeInstanceOf(ActorStoppedError);
    expect((stopped as ActorStoppedError).actorId).toBe('a1');
    expect(await failure(mod.throwZeroproc('timeout'))).toBeInstanceOf(TimeoutError);
    const missing = await failure(mod.throwZeroproc('thing'));
    expect(missing).toBeInstanceOf(NotFoundError);
    // thrown by the code the server ran, not by the server: its message is the remote's own
    expect(missing.message).toBe('no thing');
    expect(missing).toBeInstanceOf(RemoteError);
  });

  test("an actor host's NotFoundError arrives as NotFoundError", async () => {
    const host = await connectHost(proc);
    const err = await failure(host.lookup('nobody'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain('no actor "nobody"');
    release(host as never);
  });
});

describe('an unknown class is a RemoteError', () => {
  test('a plain Error', async () => {
    const err = (await failure(mod.throwPlain())) as RemoteError;
    expect(Object.getPrototypeOf(err)).toBe(RemoteError.prototype);
    expect(err.name).toBe('RemoteError');
    expect(err.code).toBe('ERR_REMOTE');
    expect(err.remoteCode).toBe('E_PLAIN');
  });

  test('a class registered only on the other side', async () => {
    const err = (await failure(mod.throwChildOnly())) as RemoteError;
    expect(Object.getPrototypeOf(err)).toBe(RemoteError.prototype);
    expect(err.remoteName).toBe('ChildOnlyError');
    expect(err.remoteMessage).toBe('only the child knows me');
  });

  test("a user class with the name of one of zeroproc's is not taken for it", async () => {
    const err = (await failure(mod.throwLibraryTimeout())) as RemoteError;
    expect(err).not.toBeInstanceOf(TimeoutError);
    expect(Object.getPrototypeOf(err)).toBe(RemoteError.prototype);
    expect(err.remoteName).toBe('TimeoutError');
  });
});

describe('registerError', () => {
  class Local extends Error {}
  afterAll(() => unregisterError(Local));

  test('checks its arguments before registering anything', () => {
    expect(() => registerError(Object as never)).toThrow('registerError: expected a class that extends Error, got function Object');
    expect(() => registerError(Local, { name: '' })).toThrow('registerError: option `name` must be a string of 1 to 200 characters, got ""');
    expect(() => registerError(Local, { nam: 'x' } as never)).toThrow('registerError: unknown option `nam` (known: name)');
    expect(() => registerError(Local, { name: 'ValidationError' })).toThrow('registerError: the name "ValidationError" is already registered for class ValidationError');
    expect(() => registerError(Local, { name: 'zeroproc.TimeoutError' })).toThrow('already registered for class TimeoutError');
    registerError(Local, { name: 'test.Local' });
    registerError(Local, { name: 'test.Local' });
    expect(() => registerError(Local, { name: 'test.Other' })).toThrow('registerError: class Local is already registered as "test.Local"');
  });
});

describe('a crafted error reply', () => {
  let server: FakeServer;
  let client: RPCClient | undefined;
  const sideEffects: string[] = [];
  class Tripwire extends Error {
    constructor(message: string) {
      super(message);
      sideEffects.push('constructed');
    }
    set trap(v: unknown) {
      sideEffects.push(`setter ran with ${String(v)}`);
    }
  }
  // what the server answers to each `published` request, in order
  const answers: unknown[] = [];

  beforeAll(async () => {
    registerError(Tripwire, { name: 'test.Tripwire' });
    server = await FakeServer.start((m) => (m.type === 'published' ? { type: 'err', id: m.id, error: { $zp: 6, v: answers.shift() } } : undefined));
    client = await RPCClient.connect(server.address, { authkey: '' });
  });

  afterAll(() => {
    client?.close();
    server.close();
    unregisterError(Tripwire);
  });

  function receive(error: unknown): Promise<Error> {
    answers.push(error);
    return failure(client!.get('x'));
  }

  test('cannot run a constructor or a setter, nor set a prototype', async () => {
    const fields = { __proto__: { polluted: true }, trap: 1, constructor: 'not a class' };
    const err = await receive(['Tripwire', 'boom', '', null, fields, 'test.Tripwire']);
    expect(err).toBeInstanceOf(Tripwire);
    expect(err).toBeInstanceOf(RemoteError);
    expect(sideEffects).toEqual([]);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(err)).toBe(Tripwire.prototype);
    expect(Object.getOwnPropertyDescriptor(err, 'trap')?.value).toBe(1);
  });

  test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Error', 'RemoteError'])('class name %j is unknown: a RemoteError', async (cls) => {
    const err = (await receive(['Error', 'boom', '', null, {}, cls])) as RemoteError;
    expect(Object.getPrototypeOf(err)).toBe(RemoteError.prototype);
    expect(err.remoteName).toBe('Error');
  });

  test('a name without class name that is not a standard class is a RemoteError', async () => {
    const err = (await receive(['constructor', 'boom', '', null, {}])) as RemoteError;
    expect(Object.getPrototypeOf(err)).toBe(RemoteError.prototype);
    expect(err.remoteName).toBe('constructor');
  });

  test('a class name that is not a string fails the call with ProtocolError', async () => {
    const err = await receive(['RangeError', 'boom', '', null, {}, 5]);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toContain('its class name must be a string');
  });
});
