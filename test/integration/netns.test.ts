/** The namespace helper itself: separate addresses that reach each other over real TCP, a cut link, cleanup. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createNetwork, killAndWait, netnsUnavailable, reportSkip, type Network } from '../helpers/netns.js';

const reason = netnsUnavailable();
if (reason) reportSkip('netns helper', reason);

const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

// A TCP echo server in one namespace, probed from another with a short connect timeout.
const SERVER = `require('net').createServer((s) => s.pipe(s)).listen(7000, process.argv[1], () => console.log('up'))`;
const PROBE = `const s = require('net').connect(7000, process.argv[1]); s.setTimeout(400, () => { console.log('timeout'); process.exit(0); });
s.on('connect', () => s.write('ping')); s.on('data', (d) => { console.log(String(d)); process.exit(0); }); s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

(reason ? describe.skip : describe)('netns helper', () => {
  let net: Network;
  let server: ReturnType<Network['spawn']>;
  beforeAll(async () => {
    net = await createNetwork(2);
    server = net.spawn(0, process.execPath, ['-e', SERVER, net.members[0].ip]);
    await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  });
  afterAll(async () => {
    if (server) await killAndWait(server);
    await net?.destroy();
  });

  test('members have their own addresses, reach each other, and lose each other while a link is cut', async () => {
    expect(await net.run(1, 'ip', ['-4', '-o', 'addr', 'show', 'eth0'])).toContain(`${net.members[1].ip}/24`);
    const probe = () => net.run(1, process.execPath, ['-e', PROBE, net.members[0].ip]);
    expect(await probe()).toBe('ping');
    await net.cut(0);
    expect(await probe()).toBe('timeout');
    await net.restore(0);
    expect(await probe()).toBe('ping');
  });

  test('destroy deletes every namespace of the network, and a stale run is swept by the next one', async () => {
    const other = await createNetwork(1);
    const mine = [`${other.members[0].ns}`, other.members[0].ns.replace(/-m0$/, '-hub')];
    for (const name of mine) expect(namespaces()).toContain(name);
    await other.destroy();
    for (const name of mine) expect(namespaces()).not.toContain(name);

    // a namespace named after a process that is gone (pid 2^22 + 1 is above Linux's pid_max)
    const stale = 'zpnet-4194305-0-hub';
    execFileSync('ip', ['netns', 'add', stale]);
    const child = execFileSync(process.execPath, ['--import', 'tsx', '-e', `
      const { createNetwork } = await import(${JSON.stringify(new URL('../helpers/netns.ts', import.meta.url).href)});
      await (await createNetwork(1)).destroy();`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(child).toBe('');
    expect(namespaces()).not.toContain(stale);
  });
});
