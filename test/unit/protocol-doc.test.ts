import { readFileSync } from 'node:fs';
import { expect, test } from '@jest/globals';
import { replyToWire, requestToWire, type Reply, type Request } from '../../src/rpc/messages.js';
import { msgpackCodec, packFrames } from '../../src/wire/index.js';

// The worked example of docs/PROTOCOL.md (section 14) shows frames for another implementation to
// test its encoder against: the JS encoder must produce them byte for byte.
const doc = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const example = doc.slice(doc.indexOf('## 14. Worked example'), doc.indexOf('### Python sketch'));

/** Every `frame 0 (N)` of the example, in order: its length and its bytes as hex (continuation lines joined). */
function firstFrames(): Array<{ length: number; hex: string }> {
  const frames: Array<{ length: number; hex: string }> = [];
  const lines = example.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = /^frame 0 \((\d+)\)\s+([0-9a-f ]+)$/.exec(lines[i]!);
    if (!start) continue;
    let hex = start[2]!.replaceAll(' ', '');
    while (/^ {20,}[0-9a-f]+$/.test(lines[i + 1] ?? '')) hex += lines[++i]!.trim();
    frames.push({ length: Number(start[1]), hex });
  }
  return frames;
}

/** The first frame of a batch of `messages`, as the JS side builds it, in hex. */
function encoded(messages: unknown[][]): string {
  const batch = messages.map((m) => ({ data: msgpackCodec.encode(m, { hooks: undefined, attachments: [] }), attachments: [] }));
  return packFrames(msgpackCodec, batch)[0]!.toString('hex');
}

const server = 'sHtH58pWMaeAsxA2F-mCgw';
const obj = 'V_HbayOUC-vNGcv7dUTQ6A';
const call = (id: number, method: string, args: unknown[]): Request => ({ type: 'call', id, server, obj, path: [method], args, ret: 'auto', chain: undefined, budget: undefined });

test('the worked example shows each first frame with its length, header and body', () => {
  const frames = firstFrames();
  expect(frames).toHaveLength(9);
  for (const { length, hex } of frames) {
    expect(hex.slice(0, 8)).toBe('5a50046d');
    expect(hex.length / 2).toBe(length);
  }
});

test("the worked example's requests and the replies that carry no run's values are what the JS side sends", () => {
  const shown = firstFrames().map((f) => f.hex);
  const request = (r: Request) => requestToWire(r);
  const reply = (r: Reply) => replyToWire(r);
  expect(shown[0]).toBe(encoded([request({ type: 'hello', id: 1, peer: { name: 'py', pid: 4242, host: 'laptop', server: '' } })]));
  expect(shown[2]).toBe(encoded([request({ type: 'published', id: 2, name: 'counter' })]));
  expect(shown[4]).toBe(encoded([request(call(3, 'add', [5]))]));
  expect(shown[5]).toBe(encoded([reply({ type: 'ok', id: 3, value: 5 })]));
  expect(shown[6]).toBe(encoded([request({ type: 'release', refs: [obj, 1] })]));
  expect(shown[7]).toBe(encoded([request(call(4, 'boom', [])), request(call(5, 'blob', [])), request({ type: 'ping', id: 6 })]));
});
