/**
 * Several machines, as network namespaces on one bridge: machine A runs a scripted requester
 * (test/fixtures/cluster/driver.mjs), B and C run `zeroproc host` as real CLI subprocesses bound
 * to 0.0.0.0. Real TCP between real addresses, real faults (a link cut, a host SIGKILLed).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ResultPromise } from 'execa';
import { createNetwork, killAndWait, netnsUnavailable, reportSkip, type Network } from '../helpers/netns.js';
import { ACTORS, Driver, DRIVER, FIXTURES, lineMatching, MAIN, SUBPROCESS_ENV } from '../helpers/cluster-driver.js';

const reason = netnsUnavailable();
if (reason) reportSkip('cluster-netns', reason);

const KEY = 'cluster-netns-test-key';
const A = 0;
const B = 1;
const C = 2;
const ADVERTISED_C = '10.213.0.103';

(reason ? describe.skip : describe)('host daemons on three machines', () => {
  let net: Network;
  const daemons: ResultPromise[] = [];
  let hostB: ResultPromise;
  let hostC: ResultPromise;
  let driver: Driver;
  let addressB: string;
  let addressC: string;
  let ipA: string;

  const startHost = async (machine: number, extra: string[]): Promise<[ResultPromise, string]> => {
    const child = net.spawn(machine, process.execPath, [MAIN, 'host', '--bind', 'tcp://0.0.0.0:1277', '--allow-import', FIXTURES, ...extra], {
      env: { ...SUBPROCESS_ENV, ZEROPROC_AUTHKEY: KEY },
      reject: false,
    });
    daemons.push(child);
    const [, address] = await lineMatching(child, /serving at (\S+)/);
    return [child, address];
  };

  beforeAll(async () => {
    net = await createNetwork(3);
    ipA = net.members[A].ip;
    // B finds its address from its interfaces; C is told to advertise a second address of its own,
    // which no interface lookup would choose
    await net.run(C, 'ip', ['addr', 'add', `${ADVERTISED_C}/24`, 'dev', 'eth0']);
    [[hostB, addressB], [hostC, addressC]] = await Promise.all([startHost(B, []), startHost(C, ['--advertise', ADVERTISED_C])]);
    driver = new Driver(net.spawn(A, process.execPath, [DRIVER], { env: { ...SUBPROCESS_ENV, CLUSTER_KEY: KEY }, stdin: 'pipe', reject: false }));
    await driver.value('logServer');
    await driver.value('daemon', 'B', addressB);
    await driver.value('daemon', 'C', addressC);
    await driver.value('host', 'hostB', addressB);
    await driver.value('host', 'hostC', addressC);
  });

  afterAll(async () => {
    if (driver) {
      await driver.send('quit');
      await killAndWait(driver.child);
    }
    await Promise.all(daemons.map(killAndWait));
    await net?.destroy();
  });

  test('a daemon bound to 0.0.0.0 advertises an address the others reach', () => {
    expect(addressB).toBe(`tcp://${net.members[B].ip}:1277`);
    expect(addressC).toBe(`tcp://${ADVERTISED_C}:1277`);
  });

  test("a process spawned on B: imports and calls go to it, and its logs and output reach A's LogServer", async () => {
    const { pid, address } = await driver.value('spawnProcess', 'worker', 'B', { name: 'worker-b', logServer: true });
    expect(address).toMatch(new RegExp(`^tcp://${net.members[B].ip.replace(/\./g, '\\.')}:\\d+$`));
    await driver.value('import', 'speaker', 'worker', ACTORS);
    expect(await driver.value('call', 'speaker', 'speak', ['hello from B'])).toBe(pid);
    const seen = await driver.value('waitLogs', 'hello from B', 2, 5_000);
    expect(seen).toEqual(expect.arrayContaining([
      expect.objectContaining({ process: 'worker-b', pid, stream: 'log', msg: 'hello from B as a record' }),
      expect.objectContaining({ process: 'worker-b', pid, stream: 'stdout', msg: 'hello from B on stdout' }),
    ]));
    expect(await driver.value('call', 'B', 'processes')).toEqual([expect.objectContaining({ name: 'worker-b', pid, state: 'running' })]);
    expect(await driver.value('call', 'worker', 'stop')).toEqual({ code: 0, signal: null });
  });

  test('a LogServer on the network admits only senders holding its key', async () => {
    await driver.value('sendLog', 'record from a stranger', 'not-the-cluster-key');
    await driver.value('sendLog', 'record from a member', KEY);
    const seen = await driver.value('waitLogs', 'record from a', 1, 5_000);
    expect(seen.map((r: { msg: string }) => r.msg)).toEqual(['record from a member']);
  });

  test("an actor of B, handed by A to an actor of C, is called by C straight at B's address", async () => {
    await driver.value('spawnActor', 'greeter', 'hostB', 'greeter', `${ACTORS}#Greeter`, 'g1');
    expect(await driver.value('call', 'hostB', 'urlOf', ['greeter'])).toBe(`zp+${addressB}/greeter`);
    await driver.value('spawnActor', 'relay', 'hostC', 'relay', `${ACTORS}#Relay`);
    expect(await driver.value('call', 'relay', 'through', [{ $ref: 'greeter' }, 'A'])).toBe(`g1 greets A from ${net.members[B].ip} via ${net.members[C].ip}`);
    expect(ipA).not.toBe(net.members[B].ip);
  });

  test('a wrong key fails fast with AuthError', async () => {
    const reply = await driver.send('daemon', 'wrong', addressC, 'not-the-cluster-key');
    expect(reply.error).toEqual(expect.objectContaining({ name: 'AuthError', code: 'ERR_AUTH' }));
    expect(reply.ms).toBeLessThan(3_000);
  });

  test('while a link is cut asks fail within their timeout, and work again once it is restored', async () => {
    await driver.value('call', 'greeter', 'greet', ['before']);
    await net.cut(B);
    try {
      const reply = await driver.send('call', 'greeter', 'greet', ['during'], 1_000);
      expect(reply.error).toEqual(expect.objectContaining({ name: 'TimeoutError', code: 'ERR_TIMEOUT' }));
      expect(reply.ms).toBeGreaterThanOrEqual(950);
      expect(reply.ms).toBeLessThan(2_500);
    } finally {
      await net.restore(B);
    }
    expect(await driver.value('call', 'greeter', 'greet', ['after'], 10_000)).toMatch(/g1 greets after/);
  });

  test('a SIGKILLed host fails the asks pending on it fast', async () => {
    await driver.value('start', 'slow', 'greeter', 'slow', [20_000], 15_000);
    // the ask is in B's mailbox once B answers another call made after it (same connection, in order)
    await driver.value('call', 'B', 'info');
    hostB.kill('SIGKILL');
    const reply = await driver.send('finish', 'slow');
    expect(reply.error?.code).toMatch(/^ERR_(DISCONNECTED|PROCESS_EXITED)$/);
    expect(reply.elapsed).toBeLessThan(5_000);
  });

  test('SIGTERM stops a host: its children are stopped and it exits 0', async () => {
    const { pid, address } = await driver.value('spawnProcess', 'doomed', 'C', { name: 'doomed' });
    // the daemon's children advertise what it was told to
    expect(address).toMatch(new RegExp(`^tcp://${ADVERTISED_C.replace(/\./g, '\\.')}:\\d+$`));
    hostC.kill('SIGTERM');
    const result = await hostC;
    expect(result.stdout).toMatch(/stopping 1 process/);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/zeroproc host: stopped$/);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
