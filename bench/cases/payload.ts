// Payload round trips (zeroproc case 4): `await mod.echo(payload)` through a child, against
// zmqPayloadEcho of the same bytes (one frame, no copy). zeroproc sends a binary value of
// 512 bytes or more as its own frame after the MessagePack body.
//
// The self-checks run the same raw echo against a payload copied into a msgpack-lite body on both
// sides: the cost target 4 rules out.
import { MB, makePayload, msgpackPayloadEcho, payloadLabel, payloadRepeats, zmqPayloadEcho, type PayloadKind } from '../baselines.js';
import { atMost, info, timeMs, type BenchCase } from '../harness.js';
import { childFixture, type Target } from '../zeroproc.js';

const payloads: Array<[number, PayloadKind]> = [
  [1 * MB, 'buffer'],
  [10 * MB, 'buffer'],
  [100 * MB, 'buffer'],
  [10 * MB, 'float64'],
];

function checkEcho(sent: Buffer | Float64Array, got: unknown): void {
  const ok = (got instanceof Buffer || got instanceof Float64Array) && got.constructor === sent.constructor && got.byteLength === sent.byteLength;
  if (!ok) {
    const what = got instanceof Object ? `${got.constructor.name}(${(got as { byteLength?: number }).byteLength} B)` : typeof got;
    throw new Error(`echo returned ${what}, sent ${sent.constructor.name}(${sent.byteLength} B)`);
  }
}

const zeroprocCases: BenchCase[] = payloads.map(([bytes, kind]) => ({
  name: `rpc: payload echo ${payloadLabel(bytes, kind)}`,
  issueCase: 4,
  // the issue's target is stated for 10 MB and 100 MB; 1 MB is shown for the trend
  target: bytes >= 10 * MB ? atMost(1.25, 'raw zeromq.js echo time') : info('target 4 covers 10 MB and 100 MB'),
  baseline: zmqPayloadEcho(bytes, kind),
  // a quick run keeps the 10 MB rows: 100 MB round trips take most of a second each here (15 s
  // of a one-minute run), and 1 MB has no target
  fullOnly: bytes !== 10 * MB,
  measure: (ctx) =>
    childFixture<Target>(`payload-${bytes / MB}mb`, 'zp-target.mjs', (_proc, mod) => {
      const payload = makePayload(bytes, kind);
      const repeats = payloadRepeats(bytes, ctx);
      return async () => {
        const ms = await timeMs(async () => {
          for (let i = 0; i < repeats; i++) checkEcho(payload, await mod.echo(payload));
        });
        return ms / repeats;
      };
    }),
}));

const selfChecks: BenchCase[] = payloads.map(([bytes, kind]) => ({
  name: `selfcheck: msgpack-body echo ${payloadLabel(bytes, kind)}`,
  target: info('payload in the MessagePack body against its own frame'),
  baseline: zmqPayloadEcho(bytes, kind),
  measure: msgpackPayloadEcho(bytes, kind),
}));

export const cases: BenchCase[] = [...zeroprocCases, ...selfChecks];
