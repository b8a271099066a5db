// Summarises a V8 .cpuprofile (node --cpu-prof): busy time, then self time per function or per
// module, optionally per call.
//   node bench/tools/cpuprofile-summary.mjs FILE [--by function|module] [--calls N] [--top 25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
if (!file) {
  console.error('usage: cpuprofile-summary.mjs FILE [--by function|module] [--calls N] [--top N]');
  process.exit(2);
}
const by = opt('by', 'function');
const calls = Number(opt('calls', 0));
const top = Number(opt('top', 25));

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const shortUrl = (url) => url.replace(/^file:\/\/.*?\/(src|dist|bench|children)\//, '$1/').replace(/^.*node_modules\//, 'nm/');
const acc = new Map();
let busy = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const frame = nodes.get(profile.samples[i]).callFrame;
  const us = profile.timeDeltas[i] ?? 0;
  if (frame.functionName === '(idle)') continue;
  busy += us;
  const url = shortUrl(frame.url);
  let key;
  if (by === 'module') {
    key = url ? url.replace(/^(nm\/[^/]+)\/.*/, '$1 (package)') : frame.functionName.startsWith('(') ? frame.functionName : `native ${frame.functionName}`;
  } else {
    key = `${frame.functionName || '(anonymous)'}  ${url}${url ? `:${frame.lineNumber + 1}` : ''}`;
  }
  acc.set(key, (acc.get(key) ?? 0) + us);
}
const per = (us) => (calls ? `${(us / calls).toFixed(2).padStart(7)} us/call  ` : '');
console.log(`busy ${(busy / 1000).toFixed(0)} ms${calls ? `, ${(busy / calls).toFixed(1)} us per call` : ''}`);
for (const [key, us] of [...acc].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((us / busy) * 100).toFixed(1).padStart(5)}%  ${per(us)}${key}`);
}
