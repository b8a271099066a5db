/** A module the unix-sockets example imports in its child: a client that connects by address. */
import { AuthError, getProcessName, RPCClient } from 'zeroproc';
import type { Echo } from './echo-server.js';

/** Connects to `address` with a wrong key, then the right one, uses `echo`, and closes the server. */
export async function visit(address: string, authkey: string): Promise<string[]> {
  const report: string[] = [];
  try {
    await RPCClient.connect(address, { authkey: 'not the key' });
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    report.push(`wrong key refused: ${err.name} [${err.code}]`);
  }
  const client = await RPCClient.connect(address, { authkey });
  const echo = await client.get<Echo>('echo');
  report.push(await echo.say(`hello from ${getProcessName()}`));
  await client.closeServer(); // remote shutdown: the server closes; so does this client
  report.push(`asked ${client.server?.name} (pid ${client.server?.pid}) to close`);
  return report;
}
