import { describe, expect, test } from '@jest/globals';
import msgpack from 'msgpack-lite';
import { MissedRecords, PUB_MAX_MESSAGE_BYTES, encodePubBodies, sequenceFrame } from '../../src/log/pub-messages.js';
import type { LogRecord } from '../../src/log/record.js';

const record = (msg: string): LogRecord => ({ time: 1, host: 'h', process: 'p', pid: 1, logger: '', stream: 'log', level: 'info', msg });

describe('PUB messages', () => {
  test('records are split into messages of bounded size, in order, each a MessagePack array', () => {
    const records = Array.from({ length: 3_000 }, (_, i) => record(`${i} ${'x'.repeat(200)}`));
    const bodies = encodePubBodies(records);
    expect(bodies.length).toBeGreaterThan(1);
    for (const { body } of bodies) expect(body.length).toBeLessThanOrEqual(PUB_MAX_MESSAGE_BYTES);
    const decoded = bodies.flatMap(({ body, count }) => {
      const batch = msgpack.decode(body) as LogRecord[];
      expect(batch).toHaveLength(count);
      return batch;
    });
    expect(decoded).toEqual(records);
  });

  test('a record too large for one message is cut to fit, and says so', () => {
    const [only, ...rest] = encodePubBodies([record('é'.repeat(PUB_MAX_MESSAGE_BYTES))]);
    expect(rest).toEqual([]);
    expect(only!.body.length).toBeLessThanOrEqual(PUB_MAX_MESSAGE_BYTES);
    const [cut] = msgpack.decode(only!.body) as LogRecord[];
    expect(cut!.msg).toMatch(/^é+ \[cut for subscribers: the whole record is in the log file\]$/);
    expect(cut!.meta).toEqual({ cut: true });
  });

  test('a subscriber counts the records between the sequence it expected and the one it got', () => {
    const missed = new MissedRecords();
    expect(missed.check(sequenceFrame(40), 10)).toBe(0); // the first message sets the start
    expect(missed.check(sequenceFrame(50), 5)).toBe(0);
    expect(missed.check(sequenceFrame(75), 1)).toBe(20);
    expect(missed.check(sequenceFrame(3), 1)).toBe(0); // a restarted server counts from 0 again
    expect(missed.check(sequenceFrame(4), 1)).toBe(0);
    expect(missed.check(undefined, 1)).toBe(0); // an older server sends no sequence
  });
});
