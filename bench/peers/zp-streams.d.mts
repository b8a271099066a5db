export declare function items(n: number): AsyncGenerator<number>;
export declare function item(i: number): number;
export declare function chunks(count: number, bytes: number): Generator<Buffer>;
export declare function chunk(bytes: number): Buffer;
