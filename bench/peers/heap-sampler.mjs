// Bytes a process allocates, sampled by V8's heap profiler with collected objects included (a
// tool's measure of garbage per call, issue 16). Imported into a zeroproc child, or used in-process.
import { Session } from 'node:inspector/promises';

let session;

/** Starts sampling every `interval` bytes allocated. */
export async function startSampling(interval = 256) {
  session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: interval,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

/** Adds the bytes allocated in `node` and below to `sites`, keyed by the allocating function. */
function addSites(node, sites) {
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.slice(url.lastIndexOf('/') + 1)}:${lineNumber + 1}`;
  if (node.selfSize > 0) sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
  for (const child of node.children) addSites(child, sites);
}

/**
 * Stops sampling: the bytes allocated since `startSampling`, estimated from the samples, and the
 * `top` functions that allocated most, as [function file:line, bytes].
 */
export async function stopSampling(top = 0) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  session = undefined;
  const sites = new Map();
  addSites(profile.head, sites);
  let bytes = 0;
  for (const b of sites.values()) bytes += b;
  return { bytes, sites: [...sites].sort((a, b) => b[1] - a[1]).slice(0, top) };
}
