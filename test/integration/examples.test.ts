import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_STREAM_WINDOW } from '../../src/index.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an example the way the README says (npx tsx examples/NAME.ts), in a scratch directory. */
async function runExample(name: string): Promise<{ stdout: string; stderr: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), `zeroproc-example-${name}-`));
  const { stdout, stderr } = await run(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'examples', `${name}.ts`)], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { stdout, stderr, cwd };
}

/** Runs an example in a scratch directory and removes the directory afterwards. */
async function example(name: string): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr, cwd } = await runExample(name);
  rmSync(cwd, { recursive: true, force: true });
  return { stdout, stderr };
}

/** The capture groups of the first match of `re` in `text`; fails the test when there is none. */
function grab(text: string, re: RegExp): string[] {
  const m = re.exec(text);
  expect(m).not.toBeNull();
  return m!.slice(1);
}

function linesMatching(text: string, re: RegExp): string[] {
  return text.split('\n').filter((l) => re.test(l));
}

const SLOW = 60_000;

describe('examples', () => {
  test('quickstart: two children, three call modes, one aggregated log', async () => {
    const { stdout, cwd } = await runExample('quickstart');
    try {
      for (const worker of ['worker-1', 'worker-2']) {
        const says = new RegExp(`quickstart: ${worker} \\(pid (\\d+)\\) says 2 \\+ 3 = 5`).exec(stdout);
        expect(says).not.toBeNull();
        const pid = says![1];
        expect(stdout).toContain(`[${worker}:${pid}] info math: add(2, 3)`);
        expect(stdout).toContain(`quickstart: ${worker} squares: 9, 16`);
        expect(stdout).toContain(`[${worker}:${pid}] stdout note from pid ${pid}: hello from the parent`);
      }
      const file = readFileSync(join(cwd, 'logs', 'zeroproc.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { process: string; msg: string });
      expect(file.filter((r) => r.msg === 'add(2, 3)').map((r) => r.process).sort()).toEqual(['worker-1', 'worker-2']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
  test('remote-objects: construction, paths, values vs references, setAttr, release', async () => {
    const { stdout } = await example('remote-objects');
    expect(stdout).toContain('new Shelf() -> isProxy: true');
    expect(stdout).toContain('add() -> 4 items');
    expect(stdout).toContain('settings.warehouse.dock.doors = 4');
    expect(stdout).toContain('shelf.label = fruit');
    expect(stdout).toContain('summary() by value: {"label":"fruit","count":4}');
    expect(stdout).toContain('split() -> isProxy: true, its items: apple, pear');
    expect(stdout).toContain(`split() with returnType 'value': {"items":["plum"],"label":"copied"} (isProxy: false)`);
    expect(stdout).toContain('after setAttr through the reference: settings.warehouse.city = Porto');
    expect(stdout).toContain('getValue(shelf) = {"items":["fig"],"label":"fruit"}');
    expect(stdout).toContain("after setAttr(shelf, 'label'): stone fruit");
    // module namespace + shelf + half + warehouse, then only the module namespace
    expect(stdout).toContain('objects held by the child: 4\n');
    expect(stdout).toContain('objects held by the child after release: 1\n');
    expect(stdout).toMatch(/using a released proxy: NotFoundError: proxy to Shelf [\w-]{22} at ipc:\/\/\S+\/child-[0-9a-f]+\.sock was released\n {2}instanceof NotFoundError: true/);
  }, SLOW);

  test('callbacks: a child calls the parent back; A -> B -> A between two children', async () => {
    const { stdout } = await example('callbacks');
    const [pidA, pidB] = grab(stdout, /rally between A \(pid (\d+)\) and B \(pid (\d+)\):/);
    const ticks = linesMatching(stdout, /got tick/);
    expect(ticks).toHaveLength(3);
    const parentPid = grab(ticks[0]!, /parent \(pid (\d+)\)/)[0];
    expect([pidA, pidB]).not.toContain(parentPid);
    expect(ticks).toEqual([3, 2, 1].map((n) => `parent (pid ${parentPid}) got tick ${n} from A:${pidA}`));
    expect(stdout).toContain('countdown returned: ack 3, ack 2, ack 1');
    expect(stdout).toMatch(/the parent served the callback from ipc:\/\/\S+\/callbacks-[0-9a-f]+\.sock/);
    const rally = linesMatching(stdout, /^ {2}[AB]:\d+ hits \d$/).map((l) => l.trim());
    expect(rally).toEqual([5, 4, 3, 2, 1, 0].map((n) => (n % 2 === 1 ? `A:${pidA} hits ${n}` : `B:${pidB} hits ${n}`)));
  }, SLOW);

  test('batched-calls: one message for 200 calls, a batch stops at the first error, two servers keep the order', async () => {
    const { stdout } = await example('batched-calls');
    expect(stdout).toMatch(/normal remote calls: 200 results, [\d.]+ ms\n/);
    expect(stdout).toMatch(/batched remote calls: 200 results \(sum 7200\), error: none, [\d.]+ ms\n/);
    expect(stdout).toMatch(/batched calls were [\d.]+ times faster than awaited one by one\n/);
    expect(stdout).toContain('results before the error: [333,"pong"]\n');
    expect(stdout).toContain('the error: RangeError: cannot divide 999 by zero (a RangeError here too: true)\n');
    expect(stdout).toContain('calls that did not run: 1\n');
    expect(stdout).toContain('two servers: [7,12] then TypeError from other-thingy\n');
  }, SLOW);

  test('errors-and-timeouts: RemoteError with remote stack, TimeoutError, ProcessExitedError at once', async () => {
    const { stdout, stderr } = await example('errors-and-timeouts');
    const [pid] = grab(stdout, /1\. RemoteError \[ERR_REMOTE\] from faulty \(pid (\d+)\)/);
    expect(stdout).toContain('remoteName: ValidationError, field: age, remote code: E_VALIDATION');
    expect(stdout).toContain(`message: ValidationError: age must be between 0 and 149, got 212 (in faulty, pid ${pid} on `);
    expect(stdout).toMatch(/remote stack \(2 frames in faulty\.ts\):\n\s+at checkAge \(faulty\.ts:\d+:\d+\)\n\s+at (Module\.)?register \(faulty\.ts:\d+:\d+\)/);
    expect(stdout).toContain('err.stack has the remote part: true');
    const [timedOut] = grab(stdout, /2\. TimeoutError \[ERR_TIMEOUT\] after (\d+) ms: call slowAnswer on [\w-]{22} to faulty at \S+ got no reply within 300 ms/);
    expect(Number(timedOut)).toBeGreaterThanOrEqual(300);
    // the child saw the call's signal abort (its stdout comes through the parent, prefixed)
    expect(stdout).toContain(`[faulty:${pid}] faulty: slowAnswer(5000) was cancelled by its caller`);
    // a ProcessExitedError (not a TimeoutError at the 10 s call timeout): the crash was noticed
    grab(stdout, /3\. ProcessExitedError \[ERR_PROCESS_EXITED\] after (\d+) ms/);
    expect(stdout).toContain(`process faulty (pid ${pid}) exit code 3, signal null`);
    expect(stdout).toContain('stderr tail: ["fatal: the flux capacitor overheated","fatal: giving up, exit code 3"]');
    expect(stdout).toContain('is a ZeroprocError: true');
    expect(stdout).toContain(`the child's final exit: {"code":3,"signal":null}`);
    expect(stderr).toContain(`[faulty:${pid}] fatal: the flux capacitor overheated`);
  }, SLOW);

  test('workers: dispatcher and three workers, one killed halfway, all work done', async () => {
    const { stdout } = await example('workers');
    const [done, victimPid, held] = grab(stdout, /(\d+) of 24 done; killing worker-2 \(pid (\d+)\) while it holds item\(s\) ([\d, ]+)\n/);
    expect(Number(done)).toBeGreaterThanOrEqual(12);
    expect(Number(done)).toBeLessThan(24);
    // what the dead worker held went back in the queue
    expect(stdout).toContain(`worker-2 (pid ${victimPid}) died (SIGKILL); re-queued item(s) ${held}\n`);
    expect(stdout).toContain(`worker-2 failed: ProcessExitedError: process worker-2 (pid ${victimPid}) was killed by SIGKILL`);
    expect(stdout).toMatch(/worker-1 finished after \d+ item\(s\)/);
    expect(stdout).toMatch(/worker-3 finished after \d+ item\(s\)/);
    expect(stdout).toContain('results: 24 of 24, each item once: true, all correct: true');
    expect(stdout).toMatch(/item 0: 1000000007 = 1000000007 \(by worker-\d\)/);
    expect(stdout).toMatch(/item 1: 1000007926 = 2 x 5783 x 86461 \(by worker-\d\)/);
    expect(stdout).toMatch(/item 2: 1000015845 = 3 x 5 x 29 x 2298887 \(by worker-\d\)/);
    const perWorker = grab(stdout, /per worker: (.*)\n/)[0]!.split(' ').map((kv) => Number(kv.split('=')[1]));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(24);
  }, SLOW);

  test('stock-quotes: markets, aggregator and viewers in five processes, callbacks and off calls', async () => {
    const { stdout } = await example('stock-quotes');
    const [aggPid] = grab(stdout, /\[aggregator:(\d+)\] viewer-1 subscribed to AAPL, IBM/);
    expect(stdout).toContain(`[aggregator:${aggPid}] viewer-2 subscribed to MSFT, GOOG, KO`);
    // every quote a viewer got, printed by the viewer's own process
    const v1 = linesMatching(stdout, /^\[viewer-1:\d+\] [A-Z]+ +\d+\.\d\d \((NASDAQ|NYSE)\)$/);
    const v2 = linesMatching(stdout, /^\[viewer-2:\d+\] [A-Z]+ +\d+\.\d\d \((NASDAQ|NYSE)\)$/);
    expect(v1).toHaveLength(8);
    expect(v2).toHaveLength(12);
    expect(v1.join('\n')).not.toMatch(/MSFT|GOOG|KO/);
    for (const viewer of ['viewer-1', 'viewer-2']) {
      for (const market of ['NASDAQ', 'NYSE']) expect(stdout).toMatch(new RegExp(`\\[${viewer}:\\d+\\] market ${market} closed`));
    }
    expect(stdout).toContain('markets sent 12 + 12 quotes; aggregator received 24, forwarded 20');
    expect(stdout).toContain(
      [
        'viewer-1 report:',
        '  AAPL 4 quotes, last 195.81, low 190.39, high 195.81',
        '  IBM  4 quotes, last 171.58, low 169.89, high 171.58',
        'viewer-2 report:',
        '  GOOG 4 quotes, last 137.36, low 137.36, high 140.29',
        '  KO   4 quotes, last 61.13, low 59.08, high 61.13',
        '  MSFT 4 quotes, last 410.39, low 409.20, high 411.55',
      ].join('\n'),
    );
    expect(stdout).toContain('viewer-1 unsubscribed; viewers left: 1');
    expect(stdout).toContain('viewer-2 unsubscribed; viewers left: 0');
    expect(stdout).toContain(`[aggregator:${aggPid}] viewer-2 unsubscribed`);
  }, SLOW);

  test('shop: carts come back as proxies and go home at checkout', async () => {
    const { stdout } = await example('shop');
    expect(stdout).toContain("alice's cart is a proxy: true; customer: alice");
    expect(stdout).toMatch(/bob is refused: RangeError: the shop does not sell caviar \(from shop, pid \d+\)/);
    expect(stdout).toContain('inside: alice, bob; alice has bread, cheese, apple');
    expect(stdout).toContain('receipt: alice: bread, cheese, apple = 9.55');
    expect(stdout).toContain('receipt: bob: coffee, milk = 10.05');
    expect(stdout).toContain('inside after checkout: 0 customer(s)');
    expect(stdout).toContain('ledger: ["alice: bread, cheese, apple = 9.55","bob: coffee, milk = 10.05"]');
    expect(stdout).toContain('objects the shop holds for us: 4\n'); // module, shop, two carts
    expect(stdout).toContain('after releasing the carts: 2\n');
  }, SLOW);

  test('shopping-cart: the shop takes carts back at the door (revoke), hides what customers must not touch', async () => {
    const { stdout } = await example('shopping-cart');
    expect(stdout).toContain('customers in the shop: Harry, Sally, shoplifter');
    expect(stdout).toContain("Harry's cart: bread, milk, cheese, wine");
    expect(stdout).toContain('the shoplifter cannot touch the paid flag: ERR_NOT_EXPOSED');
    expect(stdout).toContain('Harry pays 19.95 in cash for bread, milk, cheese, wine');
    expect(stdout).toMatch(/the shoplifter is stopped: Error: shoplifter tries to leave with an unpaid cart: attempt to steal a full cart prevented \(in shop, pid \d+ on /);
    expect(stdout).toContain('shoplifter leaves; the cart goes back');
    expect(stdout).toContain('customers in the shop: 0');
    expect(stdout).toContain("Harry tries his cart after leaving: ERR_NOT_FOUND, revoked");
  }, SLOW);

  test('streaming: Pyro streaming, echoserver generator, hugetransfer chunks, stockquotes phase 3', async () => {
    const { stdout } = await example('streaming');
    expect(stdout).toContain('list (an array: true): 1 2 3 4 5 6 7 8 9');
    expect(stdout).toContain('iterator: 1 2 3 4 5 6 7 8 9');
    expect(stdout).toContain('generator: 1 2 3 4 5 6 7 8 9');
    // items arrive as the producer makes them (100 ms apart), not all at its end
    const times = grab(stdout, /slow generator, item@tenths of a second: 1@(\d+) 2@\d+ 3@\d+ 4@\d+ 5@(\d+)/).map(Number);
    expect(times[0]).toBeLessThan(times[1]!);
    expect(stdout).toContain('fibonacci up to 1000: 1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987');
    // the break stopped the infinite producer in its process, the window ahead of the reader: its
    // last number is the window-th of the sequence (the 64th, 10610209857723, with a window of 64)
    let [a, b] = [1, 1];
    for (let i = 1; i < DEFAULT_STREAM_WINDOW; i++) [a, b] = [b, a + b];
    expect(stdout).toMatch(new RegExp(`\\[streaming:\\d+\\] fibonacci stopped after ${String(a).replace(/[.+]/g, '\\$&')}\n`));
    expect(stdout).toContain('echo generator: one, two, three');
    expect(stdout).toMatch(/downloaded 50 MB in 50 chunks of 1 MB \(\d+ MB\/s\)/);
    expect(linesMatching(stdout, /^ {2}(AAPL|IBM|KO) +\d+\.\d\d \((NASDAQ|NYSE)\)$/)).toHaveLength(9);
    expect(stdout).toContain('viewer got 9 quotes for AAPL, IBM, KO');
  }, SLOW);

  test('large-data: 100 MB Buffer and a Float64Array there and back, with throughput', async () => {
    const { stdout } = await example('large-data');
    const rates = [
      grab(stdout, /sent 100 MB, the child's sha256 matches: true \((\d+) MB\/s\)/),
      grab(stdout, /100 MB there and back: Buffer true, 104857600 bytes, equal true \((\d+) MB\/s\)/),
      grab(stdout, /Float64Array of 4194304 doubles scaled by the child: Float64Array, correct true \((\d+) MB\/s\)/),
    ].map(([r]) => Number(r));
    for (const r of rates) expect(r).toBeGreaterThan(0);
  }, SLOW);

  test('network: TCP server with an authkey, wrong key refused, remote shutdown', async () => {
    const { stdout, stderr } = await example('network');
    expect(stdout).toContain('binding 0.0.0.0 without a key: AuthError');
    const [serverPid] = grab(stdout, /server process pid (\d+) listens on tcp:\/\/127\.0\.0\.1:<port>/);
    expect(stdout).toMatch(/wrong key: AuthError \[ERR_AUTH\] after \d+ ms: the server at <address> refused the connection: the CURVE handshake failed \(\w+\): the server has another authkey/);
    expect(stdout).toContain(`echo #1 from pid ${serverPid}: hello over TCP`);
    expect(stdout).toContain(`connected to echo-server (pid ${serverPid})`);
    expect(stdout).toContain(`echo #2 from pid ${serverPid}: hello in JSON`);
    expect(stdout).toContain('server process exited with code 0');
    expect(stdout).toContain('the other client: DisconnectedError: server echo-server at <address> closed');
    expect(stderr).toContain('echo-server: closed by a client, exiting');
  }, SLOW);

  test('unix-sockets: the same over ipc://, with no socket file left behind', async () => {
    const { stdout } = await example('unix-sockets');
    expect(stdout).toContain('server listens on ipc:///');
    expect(stdout).toMatch(/server listens on ipc:\/\/\S+zeroproc-example-<pid>-echo\.sock; socket file exists: true/);
    expect(stdout).toMatch(/child visitor \(pid \d+\) serves on ipc:\/\/\S+zeroproc-example-<pid>-visitor\.sock/);
    expect(stdout).toContain('visitor: wrong key refused: AuthError [ERR_AUTH]');
    const [parentPid] = grab(stdout, /visitor: echo #1 from pid (\d+): hello from visitor/);
    expect(stdout).toContain(`visitor: asked echo-server (pid ${parentPid}) to close`);
    expect(stdout).toContain('server closed remotely');
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(`zeroproc-example-${parentPid}-`))).toEqual([]);
  }, SLOW);

  test('custom-types: a registered class travels by value both ways', async () => {
    const { stdout } = await example('custom-types');
    expect(stdout).toContain('child says: Vec2(0, 0) is a Vec2: true, length 0.000');
    expect(stdout).toContain('child says: Vec2(4, 3) is a Vec2: true, length 5.000');
    expect(linesMatching(stdout, /^child says: Vec2\(.*\) is a Vec2: true/)).toHaveLength(4);
    expect(stdout).toContain('polygon is a proxy: true; its centroid: Vec2(2, 1.5), instanceof Vec2: true');
    expect(stdout).toContain('local methods work on it: Vec2(3, 2.5), length 2.500');
  }, SLOW);

  test('logs: three children log; zeroproc logs shows the last records and filtered views', async () => {
    const { stdout } = await example('logs');
    const [api, db, cache] = grab(stdout, /spawned api \(pid (\d+)\), db \(pid (\d+)\), cache \(pid (\d+)\)/);
    const [live, last20, filtered, stdoutOnly] = stdout.split(/\n\$ zeroproc [^\n]*\n/);
    expect(stdout).toContain('\n$ zeroproc logs -n 20 --dir <dir>\n');
    expect(stdout).toContain('\n$ zeroproc logs --dir <dir> --process db --level warn\n');
    // the live console of the log server, and the file as `zeroproc logs` reads it, hold the same
    for (const section of [live!, last20!]) {
      for (const [name, pid, n] of [['api', api, 1], ['db', db, 2], ['cache', cache, 3]] as const) {
        expect(section).toContain(`[${name}:${pid}] info chatty: ${name} handling ${n} request(s)`);
        expect(section).toContain(`[${name}:${pid}] stdout ${name} says hi on stdout`);
        expect(section).toContain(`[${name}:${pid}] info chatty: ${name} done`);
      }
      expect(section).toContain(`[db:${db}] warn chatty: db: slow query (1200 ms) {"table":"orders"}`);
      expect(section).toContain(`[db:${db}] error chatty: db: connection reset {"retries":3}`);
      expect(section).toContain(`[db:${db}] stderr db: retrying on stderr`);
      expect(section).toMatch(/\[main:\d+\] info main: all children stopped/);
      expect(section).not.toContain('debug details');
    }
    expect(last20!.trim().split('\n')).toHaveLength(14); // every record of the run: fewer than 20
    // --process db --level warn: db's warning, error and stderr line, nothing else
    expect(filtered!.trim().split('\n').sort()).toEqual(
      [`[db:${db}] error chatty: db: connection reset {"retries":3}`, `[db:${db}] stderr db: retrying on stderr`, `[db:${db}] warn chatty: db: slow query (1200 ms) {"table":"orders"}`].sort(),
    );
    expect(stdoutOnly!.trim()).toBe(`[cache:${cache}] stdout cache says hi on stdout`);
  }, SLOW);

  test('supervised: restarts with back-off, state rebuilt in onRestart, then gives up', async () => {
    const { stdout, stderr } = await example('supervised');
    expect(stdout).toContain('restart #1 after a 100 ms back-off');
    expect(stdout).toContain('restart #2 after a 200 ms back-off');
    expect(stdout).toContain('restart #3 after a 400 ms back-off');
    for (const job of [3, 6, 9, 12]) {
      expect(stdout).toContain(`job ${job} failed: ProcessExitedError, exit code 1, stderr: flaky: out of memory (simulated) on job ${job}`);
    }
    // each runner was rebuilt by onRestart from the checkpoint, and did the jobs from there
    for (const job of [0, 3, 6, 9]) expect(stdout).toMatch(new RegExp(`runner ready in pid \\d+, resuming at job ${job}\\n`));
    const done = linesMatching(stdout, /^job \d+ done by pid \d+$/).map((l) => grab(l, /job (\d+) done by pid (\d+)/));
    expect(done.map(([job]) => Number(job))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(new Set(done.map(([, pid]) => pid)).size).toBe(4);
    const restarts = linesMatching(stdout, /^restart #\d/).map((l) => grab(l, /pid (\d+) -> (\d+)/));
    expect(restarts.map(([, to]) => to)).toEqual([...new Set(done.map(([, pid]) => pid))].slice(1));
    expect(stdout).toContain('gave up after 3 restarts: 4 runs in a row ended within 10000 ms (maxRestarts 3)');
    expect(stdout).toContain('finished 12 of 20 jobs; restarts: 3; state: finished');
    expect(stdout).toContain('final exit: {"code":1,"signal":null}');
    expect(linesMatching(stderr, /\[flaky:\d+\] flaky: out of memory/)).toHaveLength(4);
  }, SLOW);
  test('actors-pyactor: the PyActor tutorial samples, in this process and in a child host', async () => {
    const { stdout } = await example('actors-pyactor');
    expect(stdout).toContain('echo1 heard: hello\n');
    expect(stdout).toContain('ask: echo1 says hi\n');
    expect(stdout).toContain('timeout: TimeoutError ask got no answer within 50 ms\n');
    expect(stdout).toContain('lookup: echo1 says hi (actors: echo1)\n');
    expect(stdout).toContain('echo1 heard: bot1 relays a message\n');
    expect(stdout).toContain('reference from an actor: echo2 says hi\n');
    expect(stdout).toContain('future done at once: false, result: 20\n');
    expect(stdout).toContain('callback: echo1 says hi\n');
    expect(stdout).toContain('parallel: status while downloading: 0 done\n');
    expect(stdout).toContain('parallel: big.iso downloaded, then 1 done\n');
    expect(stdout).toContain('interval: ticked at least 5 times\n');
    expect(stdout).toContain('stopped: the running slow() finished (100); the queued say() got ActorStoppedError: actor "echo1" was stopped before ask say() ran\n');
    expect(stdout).toContain('respawned: echo1 says hi\n');
    expect(stdout).toMatch(/\[actor-host:\d+\] far-echo heard: hello from the parent\n/);
    expect(stdout).toContain('child host: far-echo says hi (actors: far-echo)\n');
    expect(stdout).toContain('child host after stop: ActorStoppedError ERR_ACTOR_STOPPED\n');
  }, SLOW);

  test('actors-uactor: one process per actor, found by URL with an authkey, forwarded, owner-only shutdown', async () => {
    const { stdout } = await example('actors-uactor');
    expect(stdout).toBe(
      [
        'basic: Hello, Ada (from pid N)',
        'basic: met Ada',
        'network: found zp+tcp://127.0.0.1:PORT/english by URL: Hello, Grace (from pid N)',
        'network: shutdown through a looked-up reference: NotOwnerError',
        'network: forwarded: Hallo, Linus (from pid N)',
        'network: german met Linus',
        '',
      ].join('\n'),
    );
  }, SLOW);

  test('cluster-pyactor: PyActor remote samples 1-4 and 9 on three zeroproc host daemons', async () => {
    const { stdout } = await example('cluster-pyactor');
    expect(stdout).toContain('[server] echo1 heard: hello from the client\n');
    expect(stdout).toContain('2 ask: echo1 says hi from server\n');
    expect(stdout).toContain('3 remote spawn: echo2 says hi from server (server runs echo1, echo2)\n');
    expect(stdout).toContain('4 registry: bound host2; echo3 says hi from host2\n');
    expect(stdout).toContain('9 multiple hosts: 1@server, 4@host2, 9@server, 16@host2\n');
  }, SLOW);

  test('cluster-uactor: an actor process on another host, logs here, found by address, forwarded, remote shutdown', async () => {
    const { stdout } = await example('cluster-uactor');
    expect(stdout).toMatch(/\[echo-proc:\d+\] stdout echo heard: a tell that the remote process prints\n/);
    expect(stdout).toContain('remote process: echo says hi from echo-proc\n');
    expect(stdout).toContain('by address: echo says hi from echo-proc\n');
    expect(stdout).toContain('wrong key: AuthError\n');
    expect(stdout).toContain('forwarded through machine C: echo says hi from echo-proc\n');
    expect(stdout).toContain('stopped the remote process: exit code 0\n');
    expect(stdout).toContain('closing the daemon: AuthError\n');
  }, SLOW);

  test('names-warehouse: visitors find the warehouse by name (Pyro warehouse)', async () => {
    const { stdout } = await example('names-warehouse');
    expect(stdout).toContain('registered: example.warehouse\n');
    expect(stdout).toMatch(/\[warehouse:\d+\] janet took the laptop\n/);
    expect(stdout).toContain('after janet: chair, bike, flashlight, couch, lamp\n');
    expect(stdout).toContain('after henry: chair, bike, flashlight, bicycle pump\n');
    expect(stdout).toContain('henry again: RangeError: henry wants laptop, but the warehouse has none\n');
  }, SLOW);

  test('names-banks: every bank under a prefix found with list() (Pyro banks)', async () => {
    const { stdout } = await example('names-banks');
    expect(stdout).toBe(
      [
        'banks: example.banks.ABN (NL), example.banks.Rabobank (NL)',
        'refused: ABN: Suzy cannot withdraw 4000, the balance is 1000',
        'example.banks.ABN: {"Irmen":4800,"Suzy":1000}',
        'refused: Rabobank: Suzy cannot withdraw 4000, the balance is 1000',
        'example.banks.Rabobank: {"Irmen":4800,"Suzy":1000}',
        '',
      ].join('\n'),
    );
  }, SLOW);

  test('names-circular: a message goes round three processes that know each other by name (Pyro circular)', async () => {
    const { stdout } = await example('names-circular');
    for (const [from, to] of [['A', 'B'], ['B', 'C'], ['C', 'A']]) expect(stdout).toMatch(new RegExp(`\\[link-${from}:\\d+\\] ${from} passes the message on to ${to}\\n`));
    expect(stdout).toContain('the message went A -> B -> C -> A (back where it started)\n');
  }, SLOW);

  test('names-stockquotes: markets found by prefix, the aggregator by name (Pyro stockquotes)', async () => {
    const { stdout } = await example('names-stockquotes');
    expect(stdout).toContain('markets: example.stockmarket.NASDAQ [AAPL,MSFT,GOOG], example.stockmarket.NYSE [IBM,KO,XOM]\n');
    for (const market of ['NASDAQ', 'NYSE']) expect(stdout).toContain(`example.stockmarket.${market} sent 6 quotes\n`);
    expect(stdout).toContain(['viewer: AAPL 2 quotes, last 192.34', 'viewer: IBM  2 quotes, last 169.89', 'viewer: KO   2 quotes, last 59.08', ''].join('\n'));
    expect(stdout).toMatch(/\[viewer:\d+\] market NASDAQ closed\n/);
  }, SLOW);
});
