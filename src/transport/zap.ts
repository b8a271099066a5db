/**
 * zeroproc's ZAP handler (ZeroMQ RFC 27). libzmq asks the socket bound at
 * `inproc://zeromq.zap.01` in the socket's context whether to admit each CURVE client, and admits
 * every client when nothing is bound there; zeromq.js ships no handler. This one is bound before
 * the first CURVE server and closed with the last, so a CURVE server never runs without it.
 */
import { Router } from 'zeromq';
import { report, rateLimited } from '../diagnostics.js';
import { InvalidArgumentError } from '../errors.js';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
const ZAP_VERSION = '1.0';
/** Peers whose refusals are reported apart; beyond it the table starts over (an attacker may use many addresses). */
const MAX_REPORTED_PEERS = 1_000;
/** How long a start waits, at most, for another copy's handler to let go of the name: 3 s. */
const BIND_ATTEMPTS = 60;
const BIND_RETRY_MS = 50;

/** The client keys one server admits, and how its refusals are reported. */
interface Domain {
  admitted: Set<string>;
  /** The server's own name for reports. */
  describe: string;
}

const domains = new Map<string, Domain>();
const reporters = new Map<string, (message: string) => void>();
let handler: Router | undefined;
/** Starts and stops of the handler, one after the other (a stop must not race the next start's bind). */
let changes: Promise<void> = Promise.resolve();

/**
 * Starts the handler if needed and admits `clientKeys` (32-byte public keys) in `domain` until
 * {@link unregisterZapDomain}. Resolves once the handler is bound, so a server bound afterwards
 * never meets a libzmq without one.
 */
export async function registerZapDomain(domain: string, clientKeys: readonly Buffer[], describe: string): Promise<void> {
  domains.set(domain, { admitted: new Set(clientKeys.map((k) => k.toString('hex'))), describe });
  try {
    await followDomains();
  } catch (err) {
    domains.delete(domain);
    throw err;
  }
}

/** Forgets `domain`; the handler closes with the last domain (nothing may keep the process alive). */
export function unregisterZapDomain(domain: string): void {
  domains.delete(domain);
  void followDomains().catch(() => undefined);
}

/** Brings the handler in line with the domains: running while there is one, closed when none. */
function followDomains(): Promise<void> {
  const change = changes.then(async () => {
    if (domains.size > 0 && !handler) {
      const socket = await bindZapEndpoint();
      handler = socket;
      void serve(socket);
    } else if (domains.size === 0 && handler) {
      const socket = handler;
      handler = undefined;
      reporters.clear();
      // a closed socket keeps its inproc name until libzmq's reaper gets to it, so a server
      // started right after would fail to bind the handler again: unbinding frees it at once
      await socket.unbind(ZAP_ENDPOINT).catch(() => undefined);
      socket.close();
    }
  });
  changes = change.catch(() => undefined);
  return change;
}

/**
 * @internal A Router bound at the ZAP endpoint, for a new handler. Another copy of zeroproc in
 * this process (a test runner's per-file module registry; a child's bundle beside a module that
 * imports 'zeroproc') shares the ZeroMQ context but not this module's state: while its handler is
 * closing, the name is taken for a moment.
 */
export async function bindZapEndpoint(): Promise<Router> {
  for (let attempt = 1; ; attempt++) {
    const socket = new Router({ linger: 0 });
    try {
      await socket.bind(ZAP_ENDPOINT);
      return socket;
    } catch (err) {
      socket.close();
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= BIND_ATTEMPTS) {
        throw new InvalidArgumentError(`could not start zeroproc's ZAP handler at ${ZAP_ENDPOINT} (is another ZAP handler bound in this process?): ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, BIND_RETRY_MS));
    }
  }
}

async function serve(socket: Router): Promise<void> {
  try {
    while (!socket.closed) {
      const request = await socket.receive();
      const reply = answer(request);
      if (reply) await socket.send(reply);
    }
  } catch (err) {
    if (!socket.closed) report('error', 'zeroproc ZAP handler stopped: CURVE servers of this process admit no new client', err);
  }
}

/**
 * The reply to one request, `[routing id, '', version, request id, domain, address, identity,
 * mechanism, credentials...]`: status 200 for a CURVE client key the domain admits, 400 else.
 */
export function answer(request: Buffer[]): Buffer[] | undefined {
  const [route, delimiter, version, requestId, domainName, address, , mechanism, key] = request;
  if (!route || !delimiter || delimiter.byteLength !== 0 || !requestId) return undefined;
  const reply = (status: string, text: string): Buffer[] => [route, delimiter, Buffer.from(ZAP_VERSION), requestId, Buffer.from(status), Buffer.from(text), Buffer.alloc(0), Buffer.alloc(0)];
  if (version?.toString() !== ZAP_VERSION) return reply('500', 'unsupported ZAP version');
  const domain = domains.get(domainName?.toString() ?? '');
  const peer = address?.toString() || 'a local peer';
  if (!domain) {
    refused(peer, `refused a connection from ${peer}: unknown ZAP domain`);
    return reply('400', 'unknown domain');
  }
  if (mechanism?.toString() !== 'CURVE' || !key || key.byteLength !== 32) {
    refused(peer, `${domain.describe}: refused a connection from ${peer}: not a CURVE client`);
    return reply('400', 'CURVE required');
  }
  if (!domain.admitted.has(key.toString('hex'))) {
    refused(peer, `${domain.describe}: refused a connection from ${peer}: its CURVE key is not admitted (another authkey?)`);
    return reply('400', 'key not admitted');
  }
  return reply('200', 'OK');
}

function refused(peer: string, message: string): void {
  let reporter = reporters.get(peer);
  if (!reporter) {
    if (reporters.size >= MAX_REPORTED_PEERS) reporters.clear();
    reporter = rateLimited('warn');
    reporters.set(peer, reporter);
  }
  reporter(message);
}
