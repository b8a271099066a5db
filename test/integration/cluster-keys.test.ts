/**
 * `zeroproc keygen` key files, `zeroproc host` key handling and what a requester may ask of a
 * daemon, on loopback (no second machine needed): real CLI subprocesses, real files.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectDaemon, generateCurveKeypair, loadCurveKeyset, lookupUrl, readPublicKey, release, RPCClient, setDefaultAuthkey, startHostDaemon, writeKeypairFiles, type Remote } from '../../src/index.js';
import { ACTORS, FIXTURES, lineMatching, MAIN, SUBPROCESS_ENV } from '../helpers/cluster-driver.js';

const zeroproc = (args: string[], env: Record<string, string> = {}) => execa(process.execPath, [MAIN, ...args], { env: { ...SUBPROCESS_ENV, ...env }, reject: false, stdin: 'ignore' });

let dir: string;
const hosts: ResultPromise[] = [];

async function startHost(args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = zeroproc(['host', '--bind', 'tcp://127.0.0.1:*', ...args], env);
  hosts.push(child);
  return (await lineMatching(child, /serving at (\S+)/))[1]!;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zeroproc-cluster-keys-'));
});

afterAll(async () => {
  for (const child of hosts) child.kill('SIGKILL');
  await Promise.all(hosts.map((h) => h.catch(() => undefined)));
  await rm(dir, { recursive: true, force: true });
});

describe('zeroproc keygen', () => {
  test('writes a 0600 keypair and its public key, and never overwrites them', async () => {
    const made = await zeroproc(['keygen', join(dir, 'alpha')]);
    expect(made.exitCode).toBe(0);
    const pair = JSON.parse(await readFile(join(dir, 'alpha.key'), 'utf8')) as { publicKey: string; secretKey: string };
    expect(pair.publicKey).toMatch(/^.{40}$/);
    expect(pair.secretKey).toMatch(/^.{40}$/);
    expect((await readFile(join(dir, 'alpha.pub'), 'utf8')).trim()).toBe(pair.publicKey);
    expect((await stat(join(dir, 'alpha.key'))).mode & 0o777).toBe(0o600);
    expect(made.stdout).toContain(pair.publicKey);
    expect(made.stdout).not.toContain(pair.secretKey);

    const again = await zeroproc(['keygen', join(dir, 'alpha')]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('alpha.key exists');
    expect(JSON.parse(await readFile(join(dir, 'alpha.key'), 'utf8'))).toEqual(pair);
  });
});

test('a public key that begins with "{" (a Z85 character) is read as a key, not as a keypair file', async () => {
  // one key in 85 begins with it: a host whose .pub did was refused as an unreadable keypair
  let pair = generateCurveKeypair();
  for (let tries = 1; !pair.publicKey.startsWith('{'); tries++) {
    if (tries > 100_000) throw new Error('no public key beginning with "{" in 100,000 keypairs');
    pair = generateCurveKeypair();
  }
  await writeFile(join(dir, 'brace.pub'), `${pair.publicKey}\n`, { mode: 0o644 });
  expect(await readPublicKey(join(dir, 'brace.pub'))).toBe(pair.publicKey);
  // a keypair file given as a public key still gives its public half
  const files = await writeKeypairFiles(join(dir, 'brace-pair'));
  expect(await readPublicKey(files.keyFile)).toBe(files.publicKey);
});

describe('a host with its own CURVE keypair', () => {
  let address: string;
  beforeAll(async () => {
    // the command itself is tested above; the same function writes the files here, without a process start each
    for (const name of ['host', 'client', 'stranger']) await writeKeypairFiles(join(dir, name));
    // one client admitted by file, the other by its Z85 text, one that begins with "-" (one key in
    // 85 does: parseArgs refused it as an ambiguous option value, and the host did not start)
    let extra = generateCurveKeypair();
    for (let tries = 1; !extra.publicKey.startsWith('-'); tries++) {
      if (tries > 100_000) throw new Error('no public key beginning with "-" in 100,000 keypairs');
      extra = generateCurveKeypair();
    }
    await writeFile(join(dir, 'client2.key'), JSON.stringify(extra), { mode: 0o600 });
    address = await startHost(['--key-file', join(dir, 'host.key'), '--admit', join(dir, 'client.pub'), '--admit', extra.publicKey]);
  });

  test('admits a client holding an admitted key and the host public key', async () => {
    const daemon = await connectDaemon(address, { authkey: await loadCurveKeyset({ keyFile: join(dir, 'client.key'), serverKey: join(dir, 'host.pub') }) });
    expect(await daemon.info()).toEqual(expect.objectContaining({ address }));
    const second = await connectDaemon(address, { authkey: await loadCurveKeyset({ keyFile: join(dir, 'client2.key'), serverKey: join(dir, 'host.pub') }) });
    expect(await second.info()).toEqual(expect.objectContaining({ address }));
    release(second);
    // children need an authkey the daemon can hand them; a keyset-only daemon says so
    await expect(daemon.spawnProcess()).rejects.toThrow(/runs with a CURVE keyset and no authkey/);
    release(daemon);
  });

  test('refuses, fast and with AuthError, a client whose key it does not admit or who expects another host key', async () => {
    for (const keys of [{ keyFile: join(dir, 'stranger.key'), serverKey: join(dir, 'host.pub') }, { keyFile: join(dir, 'client.key'), serverKey: join(dir, 'stranger.pub') }]) {
      const started = performance.now();
      await expect(connectDaemon(address, { authkey: await loadCurveKeyset(keys), timeout: 8_000 })).rejects.toMatchObject({ name: 'AuthError', code: 'ERR_AUTH' });
      expect(performance.now() - started).toBeLessThan(3_000);
    }
  });

  test('a key file others may read is refused', async () => {
    await writeFile(join(dir, 'loose.key'), await readFile(join(dir, 'client.key')), { mode: 0o644 });
    await chmod(join(dir, 'loose.key'), 0o644);
    await expect(loadCurveKeyset({ keyFile: join(dir, 'loose.key'), serverKey: join(dir, 'host.pub') })).rejects.toThrow(/readable by others \(mode 644\): chmod 600 it/);
  });
});

describe('zeroproc host', () => {
  test('refuses to serve an address other machines reach without a key, and takes no key from argv', async () => {
    const open = await zeroproc(['host', '--bind', 'tcp://0.0.0.0:0']);
    expect(open.exitCode).toBe(2);
    expect(open.stderr).toContain('refusing to serve tcp://0.0.0.0:0 without a key');
    const argv = await zeroproc(['host', '--authkey', 'secret']);
    expect(argv.exitCode).toBe(2);
    expect(argv.stderr).toMatch(/Unknown option '--authkey'/);
    await expect(startHostDaemon({ address: 'tcp://0.0.0.0:0' })).rejects.toMatchObject({ code: 'ERR_AUTH' });
  });

  test('refuses an authkey file that others may read', async () => {
    await writeFile(join(dir, 'loose-authkey'), 'k', { mode: 0o644 });
    await chmod(join(dir, 'loose-authkey'), 0o644);
    const run = await zeroproc(['host', '--authkey-file', join(dir, 'loose-authkey')]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('is readable by others');
  });

  describe('with an authkey file, serving requesters', () => {
    let address: string;
    beforeAll(async () => {
      await writeFile(join(dir, 'authkey'), 'cluster-keys-test\n', { mode: 0o600 });
      await writeFile(join(dir, 'host.json'), JSON.stringify({ authkeyFile: join(dir, 'authkey'), allowImport: [FIXTURES, 'node:os'] }));
      address = await startHost(['--config', join(dir, 'host.json')]);
      // references to the daemon's children are reached with the process default key
      setDefaultAuthkey('cluster-keys-test');
    });

    test('spawns processes whose imports are limited by its allow-list, with unique names', async () => {
      const daemon = await connectDaemon(address, { authkey: 'cluster-keys-test' });
      const proc = await daemon.spawnProcess({ name: 'keys-child' });
      const os = (await proc.import('node:os')) as unknown as Remote<typeof import('node:os')>;
      expect(typeof (await os.hostname())).toBe('string');
      await expect(proc.import('node:fs')).rejects.toMatchObject({ remoteCode: 'ERR_IMPORT_DENIED' });
      await expect(daemon.spawnProcess({ name: 'keys-child' })).rejects.toThrow(/already runs a process named "keys-child"/);
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
      release(os);
      release(proc);
      release(daemon);
    });

    test('refuses spawn options that would run code past its allow-list', async () => {
      const daemon = await connectDaemon(address, { authkey: 'cluster-keys-test' });
      await expect(daemon.spawnProcess({ env: { NODE_OPTIONS: '--import=/tmp/x.mjs' } } as never)).rejects.toThrow(/option `env` cannot be set from another machine/);
      await expect(daemon.spawnProcess({ execArgv: ['--eval=1'] } as never)).rejects.toThrow(/option `execArgv` cannot be set from another machine/);
      await expect(daemon.spawnProcess({ preload: [ACTORS] } as never)).rejects.toThrow(/option `preload` cannot be set from another machine/);
      await expect(daemon.spawnProcess({ startTimeout: -1 })).rejects.toThrow(/spawnProcess: option `startTimeout` must be/);
      expect(await daemon.processes()).toEqual([]);
      release(daemon);
    });

    test('lookupUrl with a wrong key fails with AuthError, not as an unreachable host', async () => {
      await expect(lookupUrl(`${address}/anyone`, { authkey: 'not-the-key' })).rejects.toMatchObject({ name: 'AuthError', code: 'ERR_AUTH' });
    });

    test('a requester can neither import into the daemon itself nor close it', async () => {
      const client = await RPCClient.connect(address, { authkey: 'cluster-keys-test' });
      try {
        await expect(client.import('node:os')).rejects.toMatchObject({ code: 'ERR_AUTH' });
        await expect(client.closeServer()).rejects.toMatchObject({ code: 'ERR_AUTH' });
        expect(await client.ping()).toBeGreaterThanOrEqual(0);
      } finally {
        client.close();
      }
    });
  });
});
