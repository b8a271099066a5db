import { describe, expect, test } from '@jest/globals';
import { LINE_CONTINUED_MARKER, LineSplitter, type SplitLine } from '../../src/process/line-splitter.js';

const lines = (out: SplitLine[]): string[] => out.map((l) => l.line);

function feed(splitter: LineSplitter, chunks: Array<string | Buffer>): SplitLine[] {
  const out: SplitLine[] = [];
  for (const c of chunks) out.push(...splitter.push(typeof c === 'string' ? Buffer.from(c) : c));
  out.push(...splitter.end());
  return out;
}

describe('LineSplitter', () => {
  test('joins partial writes into whole lines and emits them as soon as they complete', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('hel'))).toEqual([]);
    expect(s.push(Buffer.from('lo wor'))).toEqual([]);
    expect(lines(s.push(Buffer.from('ld\nsecond\nthi')))).toEqual(['hello world', 'second']);
    expect(lines(s.push(Buffer.from('rd\n')))).toEqual(['third']);
    expect(s.end()).toEqual([]);
  });

  test('handles LF, CRLF, a CRLF split across chunks, empty lines, and keeps a lone CR', () => {
    const out = feed(new LineSplitter(), ['a\r\nb\n', 'c\r', '\nd\r\n\n', 'progress 1\rprogress 2\n']);
    expect(lines(out)).toEqual(['a', 'b', 'c', 'd', '', 'progress 1\rprogress 2']);
    expect(out.every((l) => !l.continued)).toBe(true);
  });

  test('end() flushes a last unterminated line, without its CR', () => {
    const s = new LineSplitter();
    expect(lines(s.push(Buffer.from('one\ntwo')))).toEqual(['one']);
    expect(lines(s.end())).toEqual(['two']);
    expect(lines(feed(new LineSplitter(), ['last\r']))).toEqual(['last']);
    expect(s.end()).toEqual([]);
  });

  test('a multi-byte character cut between chunks comes out whole', () => {
    const bytes = Buffer.from('héllo ✓ 𝄞\n');
    const chunks = [...bytes].map((b) => Buffer.from([b])); // one byte per chunk
    expect(lines(feed(new LineSplitter(), chunks))).toEqual(['héllo ✓ 𝄞']);
  });

  test('invalid UTF-8 becomes replacement characters and does not throw or disturb the next line', () => {
    const out = feed(new LineSplitter(), [Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]), Buffer.from([0xc3, 0x0a]), 'ok\n']);
    expect(lines(out)).toEqual(['a\ufffd\ufffdb', '\ufffd', 'ok']);
  });

  test('a line up to the limit stays whole; a longer one comes in marked pieces that rebuild it', () => {
    const max = 16;
    const exact = 'x'.repeat(max);
    expect(feed(new LineSplitter({ maxLineBytes: max }), [`${exact}\n`])).toEqual([{ line: exact, continued: false }]);

    const long = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ'; // 46 bytes
    const out = feed(new LineSplitter({ maxLineBytes: max }), [`${long}\nnext\n`]);
    expect(out.map((l) => l.continued)).toEqual([true, true, false, false]);
    expect(out[0]!.line).toBe(`${long.slice(0, 16)}${LINE_CONTINUED_MARKER}`);
    const rebuilt = out
      .slice(0, 3)
      .map((l) => (l.continued ? l.line.slice(0, -LINE_CONTINUED_MARKER.length) : l.line))
      .join('');
    expect(rebuilt).toBe(long);
    expect(out[3]!.line).toBe('next');
  });

  test('an endless line without a terminator is emitted in pieces as it arrives, not held', () => {
    const s = new LineSplitter({ maxLineBytes: 8 });
    const first = s.push(Buffer.from('0123456789abcdefghij')); // 20 bytes, no LF
    expect(first).toEqual([
      { line: `01234567${LINE_CONTINUED_MARKER}`, continued: true },
      { line: `89abcdef${LINE_CONTINUED_MARKER}`, continued: true },
    ]);
    expect(s.push(Buffer.from('\n'))).toEqual([{ line: 'ghij', continued: false }]);
  });

  test('a line of exactly the limit followed by a CRLF in the next chunk is not split', () => {
    const s = new LineSplitter({ maxLineBytes: 8 });
    expect(s.push(Buffer.from('01234567\r'))).toEqual([]);
    expect(s.push(Buffer.from('\n'))).toEqual([{ line: '01234567', continued: false }]);
  });

  test('pieces are cut on character boundaries', () => {
    const text = 'é'.repeat(10); // 20 bytes, 2 per character
    const out = feed(new LineSplitter({ maxLineBytes: 5 }), [`${text}\n`]);
    const bare = out.map((l) => (l.continued ? l.line.slice(0, -LINE_CONTINUED_MARKER.length) : l.line));
    expect(bare.join('')).toBe(text);
    expect(bare.every((p) => !p.includes('\ufffd') && Buffer.byteLength(p) <= 5)).toBe(true);
  });

  test('the caller may reuse its chunk buffer after push()', () => {
    const s = new LineSplitter();
    const buf = Buffer.from('abc');
    s.push(buf);
    buf.fill(0x7a);
    expect(lines(s.push(Buffer.from('\n')))).toEqual(['abc']);
  });

  test('rejects a limit too small for one character', () => {
    expect(() => new LineSplitter({ maxLineBytes: 3 })).toThrow(RangeError);
  });
});
