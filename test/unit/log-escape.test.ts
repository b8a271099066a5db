import { describe, expect, test } from '@jest/globals';
import { escapeControls, formatRecord } from '../../src/log/format.js';
import type { LogRecord } from '../../src/log/record.js';

describe('escapeControls', () => {
  test.each([
    ['plain text, tabs\tand \\backslashes stay', 'plain text, tabs\tand \\backslashes stay'],
    ['line\nfeed and carriage\rreturn', 'line\\nfeed and carriage\\rreturn'],
    ['\x1b]0;title\x07', '\\x1b]0;title\\x07'],
    ['\x1b]52;c;ZWNobw==\x1b\\', '\\x1b]52;c;ZWNobw==\\x1b\\'],
    ['\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['back\b\bspace, nul\0, del\x7f', 'back\\x08\\x08space, nul\\x00, del\\x7f'],
    ['c1 csi \u009b31m', 'c1 csi \\x9b31m'],
    ['bidi \u202egnp.exe, separator \u2028', 'bidi \\u202egnp.exe, separator \\u2028'],
    ['ünïcödé and emoji 🎉 stay', 'ünïcödé and emoji 🎉 stay'],
  ])('%j -> %j', (input, shown) => {
    expect(escapeControls(input)).toBe(shown);
  });
});

describe('formatRecord', () => {
  const record: LogRecord = { time: 0, host: 'h\x1b', process: 'p\n', pid: 1, logger: 'l\r', stream: 'log', level: 'info', msg: 'm\x07', meta: { k: '\u009b' } };

  test('escapes every string a sender chose; raw leaves them', () => {
    expect(formatRecord(record, { localHost: 'here' })).toBe('[p\\n:1@h\\x1b] info l\\r: m\\x07 {"k":"\\x9b"}');
    expect(formatRecord(record, { localHost: 'here', raw: true })).toBe('[p\n:1@h\x1b] info l\r: m\x07 {"k":"\u009b"}');
  });
});
