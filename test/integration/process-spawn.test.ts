import { afterEach, describe, expect, test } from '@jest/globals';
import { hostname } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError, ProcessExitedError, SpawnError, TimeoutError } from '../../src/errors.js';
import type { ProcessHandle } from '../../src/process/handle.js';
import { setOutputSink, type ChildLine } from '../../src/process/output-sink.js';
import { ProcessSpawner, spawn } from '../../src/process/spawner.js';
import { withOptions } from '../../src/rpc/proxy.js';
import { privateEndpoint } from '../../src/transport/private-dir.js';
import { alive, cmdline, fixture, waitGone } from '../fixtures/process/proc-util.js';

type Behaviours = typeof import('../fixtures/process/behaviours.mjs');
type CounterModule = typeof import('../fixtures/process/counter.js');
type LibraryCopy = typeof import('../fixtures/process/library-copy.mjs');
type Self = typeof import('../fixtures/process/self.mjs');

const started: ProcessHandle[] = [];
async function start(opts: Parameters<typeof spawn>[0] = {}): Promise<ProcessHandle> {
  const handle = await spawn(opts);
  started.push(handle);
  return handle;
}

afterEach(async () => {
  setOutputSink(undefined);
  await Promise.all(started.splice(0).map((h) => h.kill()));
});

describe('spawning', () => {
  test('spawn, call, and the child is another process', async () => {
    const proc = await start({ name: 'spawn-basic' });
    expect(proc.name).toBe('spawn-basic');
    expect(proc.address).toMatch(/^ipc:\/\/.+\/child-[0-9a-f]+\.sock$/);
    const os = await proc.import<typeof import('node:os')>('node:os');
    expect(await os.hostname()).toBe(hostname());
    const remote = await proc.import<Self>(fixture('self.mjs'));
    const pid = await remote.pid;
    expect(pid).toBe(proc.pid);
    expect(pid).not.toBe(process.pid);
  });

  test("user modules in a child share the bootstrap's copy of the library", async () => {
    const proc = await start({ name: 'one-copy' });
    const m = await proc.import<LibraryCopy>(fixture('library-copy.mjs'));
    expect(await m.localServerAddress()).toBe(proc.address);
    expect(await m.deepLocalServerAddress()).toBe(proc.address);
  });

  test('ProcessSpawner.spawn is the same entry point', async () => {
    const proc = await ProcessSpawner.spawn({ name: 'spawn-static' });
    started.push(proc);
    expect(alive(proc.pid)).toBe(true);
  });

  test('ps shows the name; the authkey is in neither argv nor the environment', async () => {
    const authkey = 'a-secret-key-that-must-not-leak-0123456789';
    const proc = await start({ name: 'ps-visible', authkey });
    expect(cmdline(proc.pid)).toContain('zeroproc: ps-visible');
    expect(cmdline(proc.pid)).not.toContain(authkey);
    expect(readFileSync(`/proc/${proc.pid}/environ`, 'latin1')).not.toContain(authkey);
    const m = await proc.import<Behaviours>(fixture('behaviours.mjs'));
    expect(await m.env('ZEROPROC_PROCESS_NAME')).toBe('ps-visible');
  });

  test('stop closes the server and the child exits with code 0', async () => {
    const proc = await start({ name: 'stop-clean' });
    const exits: unknown[] = [];
    proc.on('exit', (e) => exits.push(e));
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
    expect(await proc.wait()).toEqual({ code: 0, signal: null });
    expect(exits).toEqual([expect.objectContaining({ code: 0, signal: null, pid: proc.pid, requested: true })]);
    expect(proc.state).toBe('finished');
    expect(await waitGone([proc.pid], 2000)).toEqual([]);
    expect(await proc.stop()).toEqual({ code: 0, signal: null });
  });

  test('kill ends the child with SIGKILL', async () => {
    const proc = await start({ name: 'kill-9' });
    expect(await proc.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await proc.wait()).toEqual({ code: null, signal: 'SIGKILL' });
  });

  test('await using stops the child at the end of the scope', async () => {
    let pid = 0;
    {
      await using proc = await spawn({ name: 'scoped' });
      pid = proc.pid;
      expect(alive(pid)).toBe(true);
    }
    expect(alive(pid)).toBe(false);
  });

  test('ipc:// addresses work', async () => {
    const path = `/tmp/zeroproc-test-${process.pid}-${Date.now()}.sock`;
    const proc = await start({ name: 'ipc-child', address: `ipc://${path}` });
    expect(proc.address).toBe(`ipc://${path}`);
    const os = await proc.import<typeof import('node:os')>('node:os');
    expect(await os.hostname()).toBe(hostname());
    // a child that stops removes the socket file it bound
    await proc.stop();
    expect(existsSync(path)).toBe(false);
  });

  test('env (over the parent\u2019s, undefined removing one), cwd and execArgv reach the child', async () => {
    process.env.ZEROPROC_FIXTURE_KEPT = 'inherited';
    process.env.ZEROPROC_FIXTURE_GONE = 'removed';
    let proc: ProcessHandle;
    try {
      proc = await start({
        name: 'env-cwd',
        cwd: fixture('.'),
        env: { ZEROPROC_FIXTURE_VALUE: 'forty-two', ZEROPROC_FIXTURE_GONE: undefined },
        execArgv: ['--max-old-space-size=100'],
      });
    } finally {
      delete process.env.ZEROPROC_FIXTURE_KEPT;
      delete process.env.ZEROPROC_FIXTURE_GONE;
    }
    const m = await proc.import<Behaviours>('./behaviours.mjs');
    expect(await m.env('ZEROPROC_FIXTURE_VALUE')).toBe('forty-two');
    expect(await m.env('ZEROPROC_FIXTURE_KEPT')).toBe('inherited');
    expect(await m.env('ZEROPROC_FIXTURE_GONE')).toBeUndefined();
    const remote = await proc.import<Self>(fixture('self.mjs'));
    expect(await remote.cwd()).toBe(fixture('.').replace(/\/$/, ''));
    expect(await remote.execArgv).toContain('--max-old-space-size=100');
  });
});

describe('TypeScript in the child', () => {
  test('a .ts module is imported into a child', async () => {
    const proc = await start({ name: 'ts-import' });
    const m = await proc.import<CounterModule>(fixture('counter.ts'));
    expect(await m.typed(2, 3)).toBe('sum=5');
    const counter = await new m.Counter(5);
    expect(await counter.add(2)).toBe(7);
  });

  test('relative .ts imports resolve against the child cwd', async () => {
    const proc = await start({ name: 'ts-relative', cwd: fixture('.') });
    const m = await proc.import<CounterModule>('./counter.ts');
    expect(await m.typed(1, 1)).toBe('sum=2');
  });

  test('typescript: true runs the child under tsx from the start', async () => {
    const proc = await start({ name: 'ts-always', typescript: true });
    expect(cmdline(proc.pid)).toContain('zeroproc: ts-always');
    const remote = await proc.import<Self>(fixture('self.mjs'));
    expect((await remote.execArgv).join(' ')).toMatch(/--import \S*tsx/);
    const m = await proc.import<CounterModule>(fixture('counter.ts'));
    expect(await m.typed(4, 4)).toBe('sum=8');
  });

  test('typescript: false refuses .ts imports with a clear error', async () => {
    const proc = await start({ name: 'ts-off', typescript: false });
    await expect(proc.import(fixture('counter.ts'))).rejects.toThrow(/typescript: false/);
  });
});

describe('start-up failures', () => {
  test('a child that cannot be created gives SpawnError at once, naming its cwd when that is the cause', async () => {
    const missing = await spawn({ name: 'no-cwd', cwd: '/nonexistent/zeroproc-test' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SpawnError);
    expect((missing as SpawnError).message).toMatch(/^cannot start no-cwd: its cwd \/nonexistent\/zeroproc-test cannot be used: ENOENT: no such file or directory/);
    expect((missing as SpawnError).cause).toMatchObject({ code: 'ENOENT' });
    const file = await spawn({ name: 'file-cwd', cwd: fixture('self.mjs') }).catch((e: unknown) => e);
    expect(file).toBeInstanceOf(SpawnError);
    expect((file as SpawnError).message).toBe(`cannot start file-cwd: its cwd ${fixture('self.mjs')} is not a directory`);
  });

  test('a bad bind address gives SpawnError with the child message', async () => {
    const err = await spawn({ name: 'bad-address', address: 'tcp://203.0.113.1:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).message).toMatch(/bad-address failed to start: .+/);
    expect((err as SpawnError).childStack).toBeDefined();
  });

  test('a throwing preload gives SpawnError with the child message and stack', async () => {
    const err = await spawn({ name: 'bad-preload', preload: [fixture('throws-on-import.mjs')] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).message).toContain('fixture refused to load');
    expect((err as SpawnError).childStack).toContain('throws-on-import.mjs');
  });

  test('a child that dies before the handshake gives SpawnError quoting its stderr', async () => {
    const err = await spawn({ name: 'dies-early', execArgv: ['--import', 'data:text/javascript,console.error("early death");process.exit(7)'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).message).toMatch(/exited with code 7 during start-up/);
    expect((err as SpawnError).message).toContain('early death');
  });

  test('a missing cwd gives SpawnError', async () => {
    await expect(spawn({ name: 'no-cwd', cwd: '/nonexistent/zeroproc' })).rejects.toBeInstanceOf(SpawnError);
  });

  test('an outputFile that cannot be opened gives SpawnError naming it, and the directory made for its socket goes', async () => {
    // the default address of a detached child, made here to know its directory
    const address = privateEndpoint('daemon', { outlivesProcess: true });
    const dir = dirname(address.slice('ipc://'.length));
    const spawning = spawn({ name: 'no-output-dir', detached: true, address, outputFile: '/nonexistent/zeroproc/out.log' });
    await expect(spawning).rejects.toBeInstanceOf(SpawnError);
    await expect(spawning).rejects.toThrow(/outputFile.*\/nonexistent\/zeroproc\/out\.log/);
    expect(existsSync(dir)).toBe(false);
  });

  test('a child that never reports ready is killed at startTimeout', async () => {
    const err = await spawn({ name: 'never-ready', startTimeout: 300, execArgv: ['--import', 'data:text/javascript,process.stdout.write(String(process.pid)+"\\n");while(true);'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).cause).toBeInstanceOf(TimeoutError);
  });
});

describe('failure semantics', () => {
  test('a child killed mid-call rejects that call with ProcessExitedError and its last stderr lines', async () => {
    const proc = await start({ name: 'killed-mid-call' });
    const m = await proc.import<Behaviours>(fixture('behaviours.mjs'));
    const call = m.complainAndHang('my last words');
    // the line reaching the parent proves the call is running in the child
    await new Promise<void>((resolve) => {
      setOutputSink((l) => {
        if (l.line === 'my last words') resolve();
      });
    });
    process.kill(proc.pid, 'SIGKILL');
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessExitedError);
    expect(err).toMatchObject({ processName: 'killed-mid-call', pid: proc.pid, signal: 'SIGKILL', exitCode: null });
    expect((err as ProcessExitedError).stderrTail).toContain('my last words');
    // later calls fail the same way, at once
    await expect(m.say('anyone?')).rejects.toBeInstanceOf(ProcessExitedError);
    await expect(proc.import('node:os')).rejects.toBeInstanceOf(ProcessExitedError);
  });

  test('a child exiting on its own fails calls with its exit code', async () => {
    const proc = await start({ name: 'exits-7' });
    const m = await proc.import<Behaviours>(fixture('behaviours.mjs'));
    await m.exitWith(7);
    expect(await proc.wait()).toEqual({ code: 7, signal: null });
    await expect(m.say('x')).rejects.toMatchObject({ name: 'ProcessExitedError', exitCode: 7 });
  });

  test('a stopped (SIGSTOP) child times out calls, and stop() still ends it', async () => {
    const proc = await start({ name: 'sigstopped' });
    const os = withOptions(await proc.import<typeof import('node:os')>('node:os'), { timeout: 300 });
    process.kill(proc.pid, 'SIGSTOP');
    await expect(os.hostname()).rejects.toBeInstanceOf(TimeoutError);
    const exit = await proc.stop({ timeout: 300 });
    expect(exit.signal === 'SIGTERM' || exit.signal === 'SIGKILL').toBe(true);
    expect(await waitGone([proc.pid], 2000)).toEqual([]);
  });
});

describe('hostile spawn arguments', () => {
  // each of these hung spawn() for good: the short timeout is the regression check
  test.each([
    [{ detached: 'false' }, 'spawn: option `detached` must be a boolean, got "false"'],
    [{ cwd: `${process.cwd()}\0` }, 'spawn: option `cwd` must be a directory path without NUL bytes, got'],
    [{ env: { 'ZP\0KEY': '1' } }, 'spawn: option `env` must be an object whose keys are non-empty and hold no "=" or NUL bytes, got "ZP\\u0000KEY"'],
    [{ env: { ZP_VALUE: 'a\0b' } }, 'spawn: option `env.ZP_VALUE` must be a string without NUL bytes, or undefined, got "a\\u0000b"'],
    [{ nmae: 'typo' }, 'spawn: unknown option `nmae`'],
  ])('%j is an InvalidArgumentError at once', async (opts, message) => {
    const error = await spawn(opts as never).then(
      (handle) => {
        started.push(handle);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(message);
  }, 3000);
});

describe('ending a child: bad arguments', () => {
  test('a stop timeout a Node timer cannot wait is refused, and the child is left running', async () => {
    const proc = await start({ name: 'stop-huge-timeout' });
    // 2^31 ms would make the escalation timers fire after 1 ms: a SIGTERM instead of a clean stop
    for (const timeout of [2 ** 31, Infinity, -1, Number.NaN]) {
      await expect(proc.stop({ timeout })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(proc.restart({ timeout })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(proc.state).toBe('running');
    expect(alive(proc.pid)).toBe(true);
    expect(await proc.stop({ timeout: 2 ** 31 - 1 })).toEqual({ code: 0, signal: null });
  });

  test('kill() with an unknown signal name rejects at once instead of waiting for an exit forever', async () => {
    const proc = await start({ name: 'kill-bad-signal' });
    for (const signal of ['sigterm', 'SIGNOPE', '']) {
      await expect(proc.kill(signal as NodeJS.Signals)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(proc.state).toBe('running');
    expect(alive(proc.pid)).toBe(true);
    expect(await proc.kill('SIGTERM')).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe('output', () => {
  test('stdout and stderr lines reach the output sink whole, with name and pid', async () => {
    const lines: ChildLine[] = [];
    let seen: () => void = () => undefined;
    const both = new Promise<void>((resolve) => (seen = resolve));
    setOutputSink((l) => {
      lines.push(l);
      if (lines.some((x) => x.stream === 'stderr') && lines.some((x) => x.stream === 'stdout')) seen();
    });
    const proc = await start({ name: 'talker' });
    const m = await proc.import<Behaviours>(fixture('behaviours.mjs'));
    await m.say('hello from the child');
    void m.complainAndHang('a warning').catch(() => undefined);
    await both;
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ process: 'talker', pid: proc.pid, stream: 'stdout', line: 'hello from the child' }),
        expect.objectContaining({ process: 'talker', pid: proc.pid, stream: 'stderr', line: 'a warning' }),
      ]),
    );
  });
});
