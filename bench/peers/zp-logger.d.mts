/** Types of zp-logger.mjs. */
export declare function burst(count: number, chunk?: number): Promise<number>;
