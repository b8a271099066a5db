import { describe, expect, test } from '@jest/globals';
import { hostname } from 'node:os';
import { ProtocolError, InvalidArgumentError } from '../../src/errors.js';
import { recordFromInfo, setProcessName, getProcessName } from '../../src/log/context.js';
import { globToRegExp, makeRecordFilter, parseSince } from '../../src/log/filter.js';
import { formatRecord } from '../../src/log/format.js';
import { levelPasses, toPlainData, validateRecord, type LogRecord } from '../../src/log/record.js';

const base: LogRecord = {
  time: 1_700_000_000_000,
  host: hostname(),
  process: 'worker-1',
  pid: 42,
  logger: 'db',
  stream: 'log',
  level: 'info',
  msg: 'connected',
};

describe('validateRecord', () => {
  test('accepts a full record and drops unknown fields', () => {
    const got = validateRecord({ ...base, meta: { a: 1 }, stack: 'Error: x', extra: true });
    expect(got).toEqual({ ...base, meta: { a: 1 }, stack: 'Error: x' });
  });

  test('treats null meta and stack as absent', () => {
    expect(validateRecord({ ...base, meta: null, stack: null })).toEqual(base);
  });

  test.each([
    ['not a map', 'hello', /must be a map/],
    ['an array', [base], /must be a map/],
    ['time missing', { ...base, time: undefined }, /"time"/],
    ['time NaN', { ...base, time: NaN }, /"time"/],
    // readers format it as a Date: toISOString() throws on a time outside a Date's range
    ['time past the last Date', { ...base, time: 8.64e15 + 1 }, /"time"/],
    ['time before the first Date', { ...base, time: -1e20 }, /"time"/],
    ['pid negative', { ...base, pid: -1 }, /"pid"/],
    ['pid fractional', { ...base, pid: 1.5 }, /"pid"/],
    ['bad stream', { ...base, stream: 'stdin' }, /"stream"/],
    ['unknown level', { ...base, level: 'critical' }, /"level"/],
    ['msg not a string', { ...base, msg: 5 }, /"msg"/],
    ['meta an array', { ...base, meta: [1] }, /"meta"/],
    ['stack a number', { ...base, stack: 1 }, /"stack"/],
  ])('rejects %s with a ProtocolError naming the field', (_name, value, message) => {
    expect(() => validateRecord(value)).toThrow(ProtocolError);
    expect(() => validateRecord(value)).toThrow(message);
  });
});

describe('levels', () => {
  test('a more severe level passes a less severe threshold, not the reverse', () => {
    expect(levelPasses('error', 'warn')).toBe(true);
    expect(levelPasses('warn', 'warn')).toBe(true);
    expect(levelPasses('info', 'warn')).toBe(false);
    expect(levelPasses('silly', 'debug')).toBe(false);
  });
});

describe('toPlainData', () => {
  test('survives cycles, BigInt and errors', () => {
    const obj: Record<string, unknown> = { n: 10n, err: new TypeError('bad') };
    obj.self = obj;
    const plain = toPlainData(obj) as Record<string, unknown>;
    expect(plain.n).toBe('10');
    expect(plain.self).toBe('[Circular]');
    expect(plain.err).toMatchObject({ name: 'TypeError', message: 'bad' });
  });
});

describe('recordFromInfo', () => {
  test('stamps the process identity, splits message, meta and stack', () => {
    const previous = getProcessName();
    setProcessName('unit');
    try {
      const before = Date.now();
      const r = recordFromInfo({ level: 'warn', message: 'slow', ms: 120, stack: 'Error: slow\n  at x' }, 'db');
      expect(r).toMatchObject({
        host: hostname(),
        process: 'unit',
        pid: process.pid,
        logger: 'db',
        stream: 'log',
        level: 'warn',
        msg: 'slow',
        meta: { ms: 120 },
        stack: 'Error: slow\n  at x',
      });
      expect(r.time).toBeGreaterThanOrEqual(before);
    } finally {
      setProcessName(previous);
    }
  });

  test('an object message becomes JSON text; no meta when there is none', () => {
    const r = recordFromInfo({ level: 'info', message: { a: 1 } }, '');
    expect(r.msg).toBe('{"a":1}');
    expect(r.meta).toBeUndefined();
  });

  test('setProcessName refuses an empty name', () => {
    expect(() => setProcessName('')).toThrow(InvalidArgumentError);
  });
});

describe('formatRecord', () => {
  test('prints [name:pid] level logger: message and meta, without colours by default', () => {
    expect(formatRecord({ ...base, meta: { a: 1 } })).toBe('[worker-1:42] info db: connected {"a":1}');
  });

  test('captured output shows its stream instead of a level, and no logger', () => {
    expect(formatRecord({ ...base, logger: '', stream: 'stderr', level: 'warn', msg: 'oops' })).toBe(
      '[worker-1:42] stderr oops',
    );
  });

  test('a stack follows on the next lines, without repeating the message', () => {
    const text = formatRecord({ ...base, level: 'error', msg: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)' });
    expect(text).toBe('[worker-1:42] error db: boom\n    at f (a.js:1:1)');
  });

  test('another host is named; time is optional; colours are ANSI codes only when asked', () => {
    expect(formatRecord({ ...base, host: 'elsewhere' }, { localHost: 'here' })).toBe(
      '[worker-1:42@elsewhere] info db: connected',
    );
    expect(formatRecord(base, { time: true })).toBe(`${new Date(base.time).toISOString()} [worker-1:42] info db: connected`);
    const colored = formatRecord(base, { colors: true });
    expect(colored).toMatch(/\x1b\[\d+m\[worker-1:42\]\x1b\[0m/);
    expect(colored.replace(/\x1b\[\d+m/g, '')).toBe('[worker-1:42] info db: connected');
  });
});

describe('filters', () => {
  const records: LogRecord[] = [
    { ...base, process: 'worker-1', level: 'debug', msg: 'a' },
    { ...base, process: 'worker-2', level: 'error', msg: 'b', stack: 'Error: deep\n at x' },
    { ...base, process: 'main', stream: 'stdout', logger: '', msg: 'c', time: base.time + 10_000 },
  ];
  const pick = (options: Parameters<typeof makeRecordFilter>[0]): string[] =>
    records.filter(makeRecordFilter(options)).map((r) => r.msg);

  test('by process glob, level, stream, text (message or stack) and time, combined', () => {
    expect(pick({ process: ['worker-*'] })).toEqual(['a', 'b']);
    expect(pick({ process: ['main', 'worker-?'] })).toEqual(['a', 'b', 'c']);
    expect(pick({ level: 'warn' })).toEqual(['b']);
    expect(pick({ stream: ['stdout'] })).toEqual(['c']);
    expect(pick({ grep: 'deep' })).toEqual(['b']);
    expect(pick({ since: base.time + 1 })).toEqual(['c']);
    expect(pick({ process: ['worker-*'], level: 'info' })).toEqual(['b']);
  });

  test('rejects unknown levels and streams', () => {
    expect(() => makeRecordFilter({ level: 'loud' as never })).toThrow(InvalidArgumentError);
    expect(() => makeRecordFilter({ stream: ['stdin' as never] })).toThrow(/unknown stream/);
  });

  test('globs escape regular-expression characters', () => {
    expect(globToRegExp('a.b*').test('a.bc')).toBe(true);
    expect(globToRegExp('a.b*').test('axbc')).toBe(false);
    expect(globToRegExp('w(1)?').test('w(1)x')).toBe(true);
  });

  test('parseSince reads durations and ISO times, and rejects the rest', () => {
    const now = 1_000_000_000;
    expect(parseSince('5m', now)).toBe(now - 300_000);
    expect(parseSince('1.5h', now)).toBe(now - 5_400_000);
    expect(parseSince('250ms', now)).toBe(now - 250);
    expect(parseSince('2024-05-01T10:00:00Z')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(() => parseSince('yesterday')).toThrow(InvalidArgumentError);
    expect(() => parseSince('5 minutes')).toThrow(InvalidArgumentError);
  });
});
