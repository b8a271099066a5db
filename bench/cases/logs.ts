// zeroproc case 8: log records per second from 4 children to one LogServer, none lost.
//
// The parent runs a LogServer (files in a temporary directory, no console), then spawns 4
// children, which find it through the environment the spawner gives them. Each sample asks all 4
// children at once to log RECORDS_PER_CHILD records through getLogger('bench') (in chunks of
// 1,000 per event-loop turn: bench/peers/zp-logger.mjs), and counts the 'bench' records the
// server accepts (LogServer.onRecords). The rate runs from the calls to the arrival of the last
// record; a sample in which any record is missing fails the case.
//
// Against zmq-push-pull for scale only (messages/s of one PUSH/PULL pair, one message per
// send): the target is absolute.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLogServer, type LogServer } from '../../dist/src/log/index.js';
import { zmqPushPull } from '../baselines.js';
import { peerScript, valueAtLeast, type BenchCase, type RunContext } from '../harness.js';
import { checkCompiledChild, killQuietly, spawnBench, type Logger, type ProcessHandle, type Remote } from '../zeroproc.js';

const CHILDREN = 4;

function recordsPerChild(ctx: RunContext): number {
  return ctx.quick ? 5_000 : 25_000;
}

/** How long a sample waits for missing records after the children said they sent them. */
const SETTLE_MS = 5_000;

export const cases: BenchCase[] = [
  {
    name: 'logs: records/s from 4 children',
    issueCase: 8,
    target: valueAtLeast(50_000, '>= 50,000 records/s, 0 lost'),
    metric: { metric: 'log records received from 4 children', unit: 'records/s', better: 'higher' },
    baseline: zmqPushPull,
    async measure(ctx) {
      checkCompiledChild();
      const dir = mkdtempSync(join(tmpdir(), 'zeroproc-bench-logs-'));
      const procs: ProcessHandle[] = [];
      let server: LogServer | undefined;
      const close = async () => {
        await Promise.all(procs.map((p) => killQuietly(p)));
        await server?.close();
        rmSync(dir, { recursive: true, force: true });
      };
      try {
        server = await startLogServer({ dir, console: false });
        let received = 0;
        let onCount: (() => void) | undefined;
        server.onRecords((records) => {
          for (const r of records) if (r.logger === 'bench') received++;
          onCount?.();
        });
        const loggers: Array<Remote<Logger>> = [];
        for (let i = 0; i < CHILDREN; i++) {
          const proc = await spawnBench(`log${i}`);
          procs.push(proc);
          loggers.push(await proc.import<Logger>(peerScript('zp-logger.mjs')));
        }
        const perChild = recordsPerChild(ctx);
        const total = CHILDREN * perChild;
        return {
          async sample() {
            received = 0;
            let lastArrival = 0;
            let allIn!: () => void;
            const complete = new Promise<void>((resolve) => (allIn = resolve));
            onCount = () => {
              if (received >= total && lastArrival === 0) {
                lastArrival = performance.now();
                allIn();
              }
            };
            const start = performance.now();
            await Promise.all(loggers.map((log) => log.burst(perChild)));
            // every record has been handed to ZeroMQ; give the stragglers time to arrive
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([complete, new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_MS)))]);
            clearTimeout(timer);
            onCount = undefined;
            if (received < total) {
              throw new Error(`${total - received} of ${total} log records lost (none arrived within ${SETTLE_MS} ms of the last send)`);
            }
            return total / ((lastArrival - start) / 1000);
          },
          close,
        };
      } catch (error) {
        await close();
        throw error;
      }
    },
  },
];
