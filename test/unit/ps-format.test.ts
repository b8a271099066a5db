/** How `zeroproc ps` prints a tree: units, indentation, actors, error lines, escaping. */
import { describe, expect, test } from '@jest/globals';
import { formatBytes, formatDuration, formatTable, psDocument } from '../../src/cli/ps-format.js';
import type { ProcessStatus } from '../../src/process/status.js';

function proc(name: string, extra: Partial<ProcessStatus> = {}): ProcessStatus {
  return {
    name, pid: 100, host: 'box', address: 'ipc:///run/x.sock', state: 'running', uptimeMs: 65_000, restarts: 0, restartBudget: 10,
    rssBytes: 50 * 1024 * 1024, cpuPercent: 1.25, eventLoopLagMs: 0.5, lastError: null, statusError: null, actors: [], children: [], ...extra,
  };
}

describe('units', () => {
  test('durations', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(999)).toBe('0s');
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(247_000)).toBe('4m07s');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3h05m');
    expect(formatDuration(26 * 3_600_000)).toBe('1d02h');
  });

  test('bytes', () => {
    expect(formatBytes(null)).toBe('-');
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(812 * 1024)).toBe('812K');
    expect(formatBytes(52.34 * 1024 * 1024)).toBe('52.3M');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150M');
    expect(formatBytes(1.2 * 1024 ** 3)).toBe('1.2G');
  });
});

describe('formatTable', () => {
  const tree = proc('app', {
    pid: 1, address: null, restartBudget: null,
    actors: [{ id: 'gate', className: 'Gate', state: 'running', queued: 3, running: 1, inFlightAsks: 4, received: 9, processed: 5, droppedTells: 0, expiredAsks: 0 }],
    children: [
      proc('worker', { pid: 2, restarts: 2, restartBudget: 8, lastError: 'process worker (pid 7) was killed by SIGKILL', children: [proc('deep', { pid: 3 })] }),
      proc('gone', { pid: 4, state: 'exited', address: null, uptimeMs: null, rssBytes: null, cpuPercent: null, eventLoopLagMs: null }),
      proc('mute', { pid: 5, statusError: 'no answer within 3000 ms', rssBytes: null, cpuPercent: null, eventLoopLagMs: null }),
    ],
  });

  test('a header, children indented under their parent, actors and ! lines under their process', () => {
    const lines = formatTable([tree]).trimEnd().split('\n');
    expect(lines).toEqual([
      'NAME            PID  HOST  STATE    UPTIME  RESTARTS     RSS    CPU%  LAG    MAILBOX  ASKS  MSGS  ADDRESS',
      'app             1    box   running  1m05s   -            50.0M  1.3   0.5ms                       -',
      '  @gate (Gate)             running                                           3        4     5/9',
      '  worker        2    box   running  1m05s   2 (8 left)   50.0M  1.3   0.5ms                       ipc:///run/x.sock',
      '    ! last error: process worker (pid 7) was killed by SIGKILL',
      '    deep        3    box   running  1m05s   0 (10 left)  50.0M  1.3   0.5ms                       ipc:///run/x.sock',
      '  gone          4    box   exited   -       0 (10 left)  -      -     -                           -',
      '  mute          5    box   running  1m05s   0 (10 left)  -      -     -                           ipc:///run/x.sock',
      '    ! status not read: no answer within 3000 ms',
    ]);
  });

  test('control characters in names and errors are escaped', () => {
    const text = formatTable([proc('evil\x1b[2Jname', { lastError: 'line\nbreak' })]);
    expect(text).not.toContain('\x1b');
    expect(text).toContain('evil\\x1b[2Jname');
    expect(text).toContain('! last error: line\\nbreak');
  });

  test('the JSON document carries its schema, time, trees and unreachable trees', () => {
    const doc = psDocument([tree], [{ address: 'ipc:///x', error: 'gone' }], new Date(0));
    expect(JSON.parse(JSON.stringify(doc))).toEqual({ schema: 'zeroproc.ps/1', time: '1970-01-01T00:00:00.000Z', trees: [tree], unreachable: [{ address: 'ipc:///x', error: 'gone' }] });
  });
});
