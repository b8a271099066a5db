/** Types of zp-driver.mjs (kept plain JS so a zeroproc child imports it without tsx). */
export declare function aim(proxy: unknown): Promise<unknown>;
export declare function run(n: number): Promise<number>;
