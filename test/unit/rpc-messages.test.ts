import { describe, expect, test } from '@jest/globals';
import { BadRequest, readReply, readRequest, replyToWire, requestToWire, type Reply, type Request } from '../../src/rpc/messages.js';

const S = 'server-instance-id-22ch';
const O = 'object-id-of-22-chars-x';

describe('the wire form of messages (docs/PROTOCOL.md 9)', () => {
  test('every request comes back from its wire form as it was sent', () => {
    const requests: Request[] = [
      { type: 'hello', id: 1, peer: { name: 'p', pid: 7, host: 'h', server: '' }, owner: 'tok', maxMessageSize: 1024 },
      { type: 'call', id: 2, server: S, obj: O, path: ['a', 'b'], args: [1, 'x', null], ret: 'auto', chain: undefined, budget: undefined },
      { type: 'call', id: 3, server: S, obj: O, path: [], args: [], ret: 'value', chain: 'c1', budget: 250 },
      { type: 'new', id: 4, server: S, obj: O, path: ['Ctor'], args: [2], ret: 'proxy', chain: undefined, budget: undefined },
      { type: 'get', id: 5, server: S, obj: O, path: ['x'], ret: 'value', chain: 'c2', budget: undefined },
      { type: 'set', id: 0, server: S, obj: O, path: ['x'], value: { deep: [1] }, chain: undefined, budget: 5 },
      { type: 'batch', id: 6, calls: [{ type: 'call', server: S, obj: O, path: ['f'], args: [1], ret: 'auto' }], chain: undefined, budget: undefined },
      { type: 'published', id: 7, name: 'svc' },
      { type: 'import', id: 8, specifier: './mod.js' },
      { type: 'ticket', id: 9, server: S, obj: O, for: 'someone' },
      { type: 'release', refs: [O, 2] },
      { type: 'claim', tickets: ['t', 'r'] },
      { type: 'cancel', call: 3 },
      { type: 'ping', id: 10 },
      { type: 'hb' },
      { type: 'bye' },
      { type: 'close', id: 11 },
    ];
    for (const r of requests) {
      const wire = requestToWire(r);
      expect(Array.isArray(wire)).toBe(true);
      expect(typeof wire[0]).toBe('number');
      expect(readRequest(wire)).toEqual(r);
    }
  });

  test('a call is positional: no key strings travel', () => {
    const wire = requestToWire({ type: 'call', id: 2, server: S, obj: O, path: ['f'], args: [1], ret: 'proxy' });
    expect(wire).toEqual([2, 2, S, O, ['f'], [1], 1]);
    // chain and budget trail only when set
    expect(requestToWire({ type: 'get', id: 5, server: S, obj: O, path: [], ret: 'auto', budget: 9 })).toEqual([4, 5, S, O, [], 0, null, 9]);
  });

  test('later fields a type does not define are ignored; nil and missing optional fields are absent', () => {
    expect(readRequest([13, 4, 'extra', { more: 1 }])).toEqual({ type: 'ping', id: 4 });
    expect(readRequest([2, 1, S, O, ['f'], []])).toMatchObject({ type: 'call', ret: 'auto', chain: undefined, budget: undefined });
    expect(readRequest([2, 1, S, O, ['f'], [], null, null, null])).toMatchObject({ ret: 'auto', chain: undefined });
  });

  test.each([
    [{ type: 'call' }, 'a message must be an array whose first element is its type code', 0],
    [[], 'a message must be an array whose first element is its type code', 0],
    [[99, 1], 'unknown request type 99', 1],
    [[99, 0], 'unknown request type 99', 0],
    [[99], 'unknown request type 99', 0],
    [['call', 1], 'unknown request type "call"', 1],
    [[2, -1, S, O, [], []], 'call: id must be an integer >= 0', 0],
    [[2, 1.5, S, O, [], []], 'call: id must be an integer >= 0', 0],
    [[2, 7, 5, O, [], []], 'call: server must be a string', 7],
    [[2, 7, S, O, 'f', []], 'call: path must be an array of strings', 7],
    [[2, 7, S, O, ['f', 3], []], 'call: path must be an array of strings', 7],
    [[2, 7, S, O, ['f'], 'x'], 'call: args must be an array', 7],
    [[2, 7, S, O, ['f'], [], 3], 'call: ret must be 0 (auto), 1 (proxy) or 2 (value)', 7],
    [[2, 7, S, O, ['f'], [], 'auto'], 'call: ret must be 0 (auto), 1 (proxy) or 2 (value)', 7],
    [[4, 7, S, O, [], 0, 5], 'get: chain must be a string', 7],
    [[4, 7, S, O, [], 0, null, -1], 'get: budget must be a number of ms >= 0', 7],
    [[6, 7, []], 'batch: calls must be a non-empty array', 7],
    [[6, 7, [[S, O, ['f'], [], 0], 'x']], 'batch: calls[1] must be [server, obj, path, args, ret]', 7],
    [[1, 7, { name: 'p' }], 'hello: peer must be {name, pid, host, server}', 7],
    [[1, 7, { name: 'p', pid: 1, host: 'h', server: '' }, null, 0], 'hello: maxMessageSize must be a positive integer', 7],
    [[10, [O]], 'release: refs must be [obj, count, ...]', 0],
    [[11, ['t', 1]], 'claim: tickets must be [ticket, recipient, ...] strings', 0],
    [[12, 'x'], 'cancel: call must be an integer', 0],
  ])('%j is refused: %s', (message, problem, id) => {
    const read = readRequest(message);
    expect(read).toBeInstanceOf(BadRequest);
    expect(read).toEqual(new BadRequest(problem, id));
  });

  test('replies come back from their wire form; anything else is not a reply', () => {
    const replies: Reply[] = [
      { type: 'ok', id: 1, value: [1, { a: 2 }] },
      { type: 'err', id: 2, error: new Error('x'), sys: 'ERR_NOT_FOUND' },
      { type: 'err', id: 3, error: 'plain', sys: undefined },
      { type: 'closing' },
    ];
    for (const r of replies) expect(readReply(replyToWire(r))).toEqual(r);
    expect(replyToWire({ type: 'ok', id: 1, value: 5 })).toEqual([1, 1, 5]);
    for (const junk of [null, 5, {}, [], [9, 1], [1, 'x', 5], [2, null]]) expect(readReply(junk)).toBeUndefined();
  });
});
