/**
 * Large data: send a 100 MB Buffer and a Float64Array to a child and back. Binary data travels
 * as its own ZeroMQ frame, not copied into the message body, and arrives as the same type.
 * Run: npx tsx examples/large-data.ts
 */
import { createHash, randomFillSync } from 'node:crypto';
import { spawn } from 'zeroproc';

type Bulk = typeof import('./modules/bulk.js');
const MB = 1024 * 1024;

function rate(bytes: number, ms: number): string {
  return `${Math.round(bytes / MB / (ms / 1000))} MB/s`;
}

await using child = await spawn({ name: 'bulk' });
const bulk = await child.import<Bulk>(new URL('./modules/bulk.ts', import.meta.url).href);

// 100 MB of random bytes.
const buffer = randomFillSync(Buffer.alloc(100 * MB));
const digest = createHash('sha256').update(buffer).digest('hex');

// One way: the child hashes what it received, only the digest comes back.
let t0 = performance.now();
const remoteDigest = await bulk.sha256(buffer);
const oneWay = performance.now() - t0;
console.log(`sent 100 MB, the child's sha256 matches: ${remoteDigest === digest} (${rate(100 * MB, oneWay)})`);

// Both ways: the child sends the buffer straight back.
t0 = performance.now();
const back = await bulk.echo(buffer);
const roundTrip = performance.now() - t0;
console.log(`100 MB there and back: Buffer ${Buffer.isBuffer(back)}, ${back.length} bytes, equal ${back.equals(buffer)} (${rate(200 * MB, roundTrip)})`);

// A Float64Array keeps its type; here the child computes a new one from it.
const values = new Float64Array(4 * MB); // 32 MB of doubles
for (let i = 0; i < values.length; i++) values[i] = i / 3;
t0 = performance.now();
const scaled = await bulk.scale(values, 2);
const floatTrip = performance.now() - t0;
const ok = scaled.length === values.length && scaled.every((x, i) => x === values[i]! * 2);
console.log(`Float64Array of ${values.length} doubles scaled by the child: ${scaled.constructor.name}, correct ${ok} (${rate(2 * values.byteLength, floatTrip)})`);
