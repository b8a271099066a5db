/** Options every zeroproc socket shares. */
export interface LinkOptions {
  /** Largest inbound frame, in bytes; a peer sending more is disconnected by ZeroMQ. */
  maxMessageSize?: number;
  /** ZeroMQ high-water marks (messages) in each direction. */
  highWaterMark?: number;
  /** Interval of ZMTP heartbeats, ms; a connection silent for `heartbeatTimeout` is dropped. */
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
}

/** Defaults: large frames allowed (big buffers travel as frames), heartbeats that tolerate long calls. */
export const defaultLinkOptions: Required<LinkOptions> = {
  maxMessageSize: 1024 * 1024 * 1024,
  highWaterMark: 10_000,
  heartbeatInterval: 5_000,
  heartbeatTimeout: 30_000,
};

/**
 * The zeromq.js socket options for `opts` and `address`: linger 0 so a closing socket never holds
 * the process, IPv6 when the address is a bracketed IPv6 host.
 */
export function zmqOptions(opts: LinkOptions, address: string) {
  const o = { ...defaultLinkOptions, ...opts };
  return {
    linger: 0,
    ipv6: address.includes('['),
    maxMessageSize: o.maxMessageSize,
    sendHighWaterMark: o.highWaterMark,
    receiveHighWaterMark: o.highWaterMark,
    heartbeatInterval: o.heartbeatInterval,
    heartbeatTimeout: o.heartbeatTimeout,
    heartbeatTimeToLive: o.heartbeatTimeout,
  };
}
