/** The cluster layer: host daemons (`zeroproc host`), remote spawn, CURVE key files. */
export {
  startHostDaemon,
  HostDaemon,
  DaemonService,
  DAEMON_NAME,
  type HostDaemonOptions,
  type RemoteSpawnOptions,
  type DaemonProcessInfo,
  type DaemonInfo,
} from './daemon.js';
export { connectDaemon, type ConnectDaemonOptions } from './connect.js';
export { RemoteProcess } from './remote-process.js';
export { generateCurveKeypair, writeKeypairFiles, readKeypairFile, readPublicKey, loadCurveKeyset, type KeypairFiles, type KeyFileOptions } from './keys.js';
