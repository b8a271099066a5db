// Payload round trips. zeroproc case 4 pairs with zmqPayloadEcho of the same bytes; until then
// the raw echo is run against a payload copied into a msgpack-lite body, the cost target 4 rules out.
import { MB, msgpackPayloadEcho, payloadLabel, zmqPayloadEcho, type PayloadKind } from '../baselines.js';
import { info, type BenchCase } from '../harness.js';

const payloads: Array<[number, PayloadKind]> = [
  [1 * MB, 'buffer'],
  [10 * MB, 'buffer'],
  [100 * MB, 'buffer'],
  [10 * MB, 'float64'],
];

export const cases: BenchCase[] = payloads.map(([bytes, kind]) => ({
  name: `selfcheck: msgpack-body echo ${payloadLabel(bytes, kind)}`,
  target: info('payload in the MessagePack body against its own frame'),
  baseline: zmqPayloadEcho(bytes, kind),
  measure: msgpackPayloadEcho(bytes, kind),
}));
