import { InvalidArgumentError } from '../errors.js';
import { BATCH_FRAMING, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_MESSAGE_SIZE } from './limits.js';

/** Options every zeroproc socket shares. */
export interface LinkOptions {
  /** Largest inbound frame, in bytes; a peer sending more is disconnected by ZeroMQ. */
  maxMessageSize?: number;
  /** ZeroMQ high-water marks (messages) in each direction. */
  highWaterMark?: number;
}

/** Defaults: the limits of transport/limits.ts. */
export const defaultLinkOptions: Required<LinkOptions> = {
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE + BATCH_FRAMING,
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
};

/**
 * The zeromq.js socket options for `opts` and `address`: linger 0 so a closing socket never holds
 * the process, IPv6 when the address is a bracketed IPv6 host, and ZMTP heartbeats off: with
 * them on, a stranger's garbage and connection resets abort libzmq 4.3.5 (libzmq #4364, #3937);
 * liveness comes from the protocol's own `hb` and the server's peer timeout instead.
 */
export function zmqOptions(opts: LinkOptions, address: string) {
  const o = { ...defaultLinkOptions, ...opts };
  for (const name of Object.keys(ranges) as Array<keyof LinkOptions>) checkOption(name, o[name]);
  return {
    linger: 0,
    ipv6: address.includes('['),
    maxMessageSize: o.maxMessageSize,
    sendHighWaterMark: o.highWaterMark,
    receiveHighWaterMark: o.highWaterMark,
    heartbeatInterval: 0,
  };
}

/**
 * Smallest and largest value of each option: libzmq holds them as int, the size as int64 (-1: no
 * limit).
 */
const ranges: Record<keyof LinkOptions, [number, number]> = {
  maxMessageSize: [-1, Number.MAX_SAFE_INTEGER],
  highWaterMark: [0, 2 ** 31 - 1],
};

/**
 * Checked before any socket exists: zeromq.js answers a bad value with "Option value must be a
 * number" or "Invalid argument", naming neither the option nor the value, and a socket whose
 * construction failed that way crashes the process at exit (segmentation fault, zeromq.js 6.8).
 */
function checkOption(name: keyof LinkOptions, value: unknown): void {
  const [min, max] = ranges[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new InvalidArgumentError(`link option ${name} must be a whole number from ${min} to ${max}, got ${got}`);
  }
}
