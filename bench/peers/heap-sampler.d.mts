/** Types of heap-sampler.mjs (plain JS so a zeroproc child imports it without tsx). */
export function startSampling(interval?: number): Promise<void>;
export function stopSampling(top?: number): Promise<{ bytes: number; sites: Array<[string, number]> }>;
