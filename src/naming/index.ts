/** The naming layer: the name server, its clients, names that follow restarts. */
export { startNameServer, NameServer, NameRegistry, type NameServerOptions, type Lease } from './server.js';
export {
  connectNameServer, NameServerClient, register, lookup, list, remove, resolveName,
  type NameServerConnectOptions, type RegisterOptions, type LookupOptions,
} from './client.js';
export type { ReconnectOptions } from './reconnect.js';
export { NAMESERVER_ENV, nameServerAddress, localNameServerAddress } from './discovery.js';
export { NAME_SCHEME, type NameEntry, type NameMetadata, type ListFilter } from './names.js';
