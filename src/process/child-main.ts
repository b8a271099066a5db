/**
 * What a spawned child does, from its first line to its RPC server serving: receive the config
 * over IPC, take the name as process title, start the server, import the preloaded modules,
 * report ready (or the start-up error) and end itself when the server closes or the parent dies.
 *
 * Kept off the heavy modules (the spawner, winston): every import here is paid on every spawn.
 */
import { deferCallTracking } from '../rpc/call-context.js';
import { RPCServer } from '../rpc/server.js';
import { setDefaultAuthkey, setLocalServer } from '../rpc/local.js';
import { randomId } from '../rpc/random-id.js';
import { setRestartingParent } from '../transport/private-dir.js';
import { BOOTSTRAP_TAG, isChildConfig, type ChildConfig, type ChildMessage } from './bootstrap-protocol.js';
import { makeStdioSynchronous } from './child-stdio.js';
import { createModuleLoader } from './module-loader.js';
import { watchParent } from './parent-watch.js';
import { markSpawnedChild, STATUS_NAME, StatusService } from './status.js';

function receiveConfig(): Promise<ChildConfig> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('children/bootstrap must be started by zeroproc (it needs an IPC channel to its parent)'));
      return;
    }
    // a parent that died before sending the config (before its death signal was armed) sends none
    const onDisconnect = (): void => reject(new Error('the parent went away before sending the start-up config'));
    const onMessage = (message: unknown): void => {
      if (!isChildConfig(message)) return;
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      resolve(message);
    };
    process.on('message', onMessage);
    process.once('disconnect', onDisconnect);
    if (!process.connected) onDisconnect();
  });
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    // a failed send means the parent is gone; the disconnect handler takes it from there
    if (!process.send?.(message, undefined, {}, () => resolve())) resolve();
  });
}

function startupError(error: unknown): ChildMessage {
  const e = error instanceof Error ? error : new Error(String(error));
  return { tag: BOOTSTRAP_TAG, type: 'error', name: e.name, message: e.message, stack: e.stack };
}

/** Runs the child; resolves once it reported ready. Exits the process on a start-up error. */
export async function runChild(): Promise<void> {
  // before anything is written: lines printed just before an exit or a crash must reach the parent
  makeStdioSynchronous();
  const config = await receiveConfig();
  markSpawnedChild();
  deferCallTracking();
  process.title = `zeroproc: ${config.name}`;
  // a detached child's socket directory is its parent's to remove while that parent may restart it
  if (config.detached) setRestartingParent(process.ppid);
  // the server's socket may not hold the loop open by itself; the child lives until its server closes
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  let server: RPCServer;
  const ownerToken = randomId();
  try {
    setDefaultAuthkey(config.authkey);
    const loader = createModuleLoader({ typescript: config.typescript, tsxLoaded: config.tsxLoaded });
    server = await RPCServer.start({
      address: config.address,
      authkey: config.authkey,
      name: config.name,
      resolveImport: loader.resolve,
      importModule: loader.load,
      allowImport: config.allowImport,
      control: { ownerToken },
    });
    setLocalServer(server);
    const self = server;
    server.publish(STATUS_NAME, new StatusService(() => ({ name: config.name, address: self.advertisedAddress }), ownerToken));
    // preloads are the parent's own choice, made in code: the import policy is for what clients ask
    for (const specifier of config.preload) await loader.load(loader.resolve(specifier));
  } catch (error) {
    await send(startupError(error));
    process.exit(1);
  }
  void server.closed.finally(() => {
    clearInterval(keepAlive);
    process.exit(0);
  });
  if (!config.detached) {
    watchParent({ watchdog: config.watchdog, onParentGone: () => process.exit(0) });
  }
  await send({ tag: BOOTSTRAP_TAG, type: 'ready', address: server.advertisedAddress, pid: process.pid, ownerToken });
  if (config.detached) process.channel?.unref();
}
