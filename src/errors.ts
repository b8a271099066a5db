/**
 * Every error zeroproc raises is a {@link ZeroprocError} with a stable `code`, so callers can
 * branch on `err.code` without string-matching messages.
 */

/** Stable error codes; one per error class. */
export type ZeroprocErrorCode =
  | 'ERR_ZEROPROC'
  | 'ERR_REMOTE'
  | 'ERR_TIMEOUT'
  | 'ERR_PROCESS_EXITED'
  | 'ERR_DISCONNECTED'
  | 'ERR_AUTH'
  | 'ERR_NOT_FOUND'
  | 'ERR_ALREADY_EXISTS'
  | 'ERR_PROTOCOL'
  | 'ERR_CANCELLED'
  | 'ERR_SPAWN'
  | 'ERR_QUEUE_FULL'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_IMPORT_DENIED'
  | 'ERR_ACTOR_STOPPED'
  | 'ERR_NOT_OWNER'
  | 'ERR_NOT_EXPOSED';

/** Base class of every zeroproc error. */
export class ZeroprocError extends Error {
  /** Stable, machine-readable code of this error kind. */
  readonly code: ZeroprocErrorCode = 'ERR_ZEROPROC';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Where a remote error came from. */
export interface ErrorOrigin {
  /** Name of the server (usually the process name) that raised it. */
  server: string;
  /** Pid of that process. */
  pid: number;
  /** Host name of its machine. */
  host: string;
}

// Marks an error of a kept class (a RangeError, a registered class) as remote. A symbol no peer
// can send, kept by the copies `atCaller` makes (it copies own property descriptors).
const remoteBrand = Symbol('zeroproc.remote');

/**
 * @internal Gives `err`, an error of a kept class rebuilt from a reply, what a RemoteError carries
 * (as non-enumerable fields, so that its own fields stay exactly the remote's), and brands it so
 * that `instanceof RemoteError` holds.
 */
export function markRemote(err: Error, info: RemoteErrorInfo): void {
  const hidden = (value: unknown) => ({ value, enumerable: false, writable: false, configurable: true });
  Object.defineProperties(err, {
    remoteName: hidden(info.remoteName),
    remoteMessage: hidden(info.remoteMessage),
    remoteStack: hidden(info.remoteStack),
    origin: hidden(info.origin),
    fields: hidden(info.fields),
    remoteCode: hidden(info.remoteCode),
    [remoteBrand]: hidden(true),
  });
}

/**
 * Whether `err` came from another process: a {@link RemoteError}, or an error whose class was
 * kept (a `RangeError`, a class registered with `registerError`, zeroproc's own classes) and that
 * carries the same {@link RemoteErrorInfo}. The same test as `err instanceof RemoteError`.
 */
export function isRemoteError(err: unknown): err is Error & RemoteErrorInfo {
  return err instanceof RemoteError;
}

/**
 * An exception thrown by remote code. `remoteName`, `message`, `cause` and the remote's own
 * fields are preserved; `stack` holds the local stack followed by the remote one.
 *
 * When the remote error's class is known on both sides (the standard classes, zeroproc's own,
 * classes registered with `registerError`), the caller gets an instance of that class instead,
 * so that `instanceof RangeError` works; it carries the same {@link RemoteErrorInfo}, and
 * `instanceof RemoteError` is true for it too (through `Symbol.hasInstance`), so code that
 * catches remote errors keeps catching all of them. Its `code` and `message` are then the
 * remote's own, not `ERR_REMOTE` and the origin-decorated message; `remoteCode` is right for both.
 */
export class RemoteError extends ZeroprocError {
  override readonly code = 'ERR_REMOTE' as const;
  /** The `name` of the error on the remote side, e.g. `TypeError`. */
  readonly remoteName: string;
  /** The error's own message in the remote process (a RemoteError's `message` adds the origin). */
  readonly remoteMessage: string;
  /** The stack as it was in the remote process. */
  readonly remoteStack: string | undefined;
  /** The process that raised it (the server that replied). */
  readonly origin: ErrorOrigin;
  /** Own enumerable fields the remote error carried (`errno`, `code`, user fields...). */
  readonly fields: Record<string, unknown>;
  /** The remote error's own `code` field, if it had one (a RemoteError's `code` is `ERR_REMOTE`). */
  readonly remoteCode: unknown;
  constructor(
    remote: { name: string; message: string; stack?: string; cause?: unknown; fields?: Record<string, unknown> },
    origin: ErrorOrigin,
  ) {
    super(`${remote.name}: ${remote.message} (in ${origin.server}, pid ${origin.pid} on ${origin.host})`, {
      cause: remote.cause,
    });
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    this.remoteStack = remote.stack;
    this.origin = origin;
    this.fields = remote.fields ?? {};
    this.remoteCode = this.fields.code;
    for (const [k, v] of Object.entries(this.fields)) {
      if (!(k in this)) (this as Record<string, unknown>)[k] = v;
    }
    if (remote.stack) this.stack = `${this.stack}\n    --- remote stack (${origin.server}) ---\n${remote.stack}`;
  }
}

// `instanceof RemoteError` is also true for an error of a kept class that came from another
// process. Defined outside the class body: a bundler (esbuild, for dist/core.js) renames a class
// whose body names it, and ZeroprocError takes `name` from the class.
Object.defineProperty(RemoteError, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // only RemoteError itself: a subclass keeps the ordinary meaning
    return this === RemoteError && typeof value === 'object' && value !== null && Object.hasOwn(value, remoteBrand);
  },
});

/** What every error that came from another process carries, whatever its class (see {@link RemoteError}). */
export type RemoteErrorInfo = Pick<RemoteError, 'remoteName' | 'remoteMessage' | 'remoteStack' | 'origin' | 'fields' | 'remoteCode'>;

/** A call, connection or start-up did not complete in time. */
export class TimeoutError extends ZeroprocError {
  override readonly code = 'ERR_TIMEOUT' as const;
}

/** Details of how a process ended. */
export interface ExitInfo {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  /** Signal that ended the process, or null. */
  signal: NodeJS.Signals | null;
}

/** The process serving the call exited; carries its exit status and last stderr lines. */
export class ProcessExitedError extends ZeroprocError {
  override readonly code = 'ERR_PROCESS_EXITED' as const;
  /** Exit code, or null when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The name it was spawned with. */
  readonly processName: string;
  /** Its pid, when it got as far as having one. */
  readonly pid: number | undefined;
  /** The last lines the process wrote to stderr, oldest first. */
  readonly stderrTail: string[];
  constructor(processName: string, pid: number | undefined, exit: ExitInfo, stderrTail: string[] = []) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = stderrTail.length ? `\nlast stderr lines:\n  ${stderrTail.join('\n  ')}` : '';
    super(`process ${processName} (pid ${pid ?? '?'}) ${how}${tail}`);
    this.exitCode = exit.code;
    this.signal = exit.signal;
    this.processName = processName;
    this.pid = pid;
    this.stderrTail = stderrTail;
  }
}

/** The connection to a server was lost or the server closed. */
export class DisconnectedError extends ZeroprocError {
  override readonly code = 'ERR_DISCONNECTED' as const;
}

/** A message failed authentication, or a server refused an unsafe configuration. */
export class AuthError extends ZeroprocError {
  override readonly code = 'ERR_AUTH' as const;
}

/** A named or numbered object does not exist (never published, released, or unknown). */
export class NotFoundError extends ZeroprocError {
  override readonly code = 'ERR_NOT_FOUND' as const;
}

/**
 * A client asked for a member its server does not expose: a `_private` one, a built-in such as
 * `toString` or `call`, or one missing from the object's expose list. Says nothing about whether
 * the member exists.
 */
export class NotExposedError extends ZeroprocError {
  override readonly code = 'ERR_NOT_EXPOSED' as const;
}

/** A name is already taken. */
export class AlreadyExistsError extends ZeroprocError {
  override readonly code = 'ERR_ALREADY_EXISTS' as const;
}

/** Bytes that do not follow the zeroproc protocol (bad frames, bad body, oversize). */
export class ProtocolError extends ZeroprocError {
  override readonly code = 'ERR_PROTOCOL' as const;
}

/** A call was cancelled by its caller. */
export class CancelledError extends ZeroprocError {
  override readonly code = 'ERR_CANCELLED' as const;
}

/** A child process failed to start; carries the child's own message and stack when it sent one. */
export class SpawnError extends ZeroprocError {
  override readonly code = 'ERR_SPAWN' as const;
  /** The stack of the error inside the child, when it got far enough to report it. */
  readonly childStack: string | undefined;
  constructor(message: string, childStack?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.childStack = childStack;
    if (childStack) this.stack = `${this.stack}\n    --- child stack ---\n${childStack}`;
  }
}

/** An argument or option was not acceptable; the message names it. */
export class InvalidArgumentError extends ZeroprocError {
  override readonly code = 'ERR_INVALID_ARGUMENT' as const;
}

/** A send queue reached its limit; the message was not queued. Slow down or await replies. */
export class QueueFullError extends ZeroprocError {
  override readonly code = 'ERR_QUEUE_FULL' as const;
}

/**
 * A message is larger than the receiving side accepts (its `maxMessageSize`, which a server
 * states in its `hello` reply and a client in its `hello`). The message was not sent.
 */
export class MessageTooLargeError extends ZeroprocError {
  override readonly code = 'ERR_MESSAGE_TOO_LARGE' as const;
  /** Encoded size of the refused message, bytes (undefined when the server reported it). */
  readonly size: number | undefined;
  /** The receiver's limit, bytes (undefined when the server reported it). */
  readonly limit: number | undefined;
  constructor(message: string, size?: number, limit?: number) {
    super(message);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A server's import policy refused a module; the message names the specifier, the URL it
 * resolved to and the rule that refused it.
 */
export class ImportDeniedError extends ZeroprocError {
  override readonly code = 'ERR_IMPORT_DENIED' as const;
}

/**
 * The actor a message was for is stopping or stopped: queued asks fail with it when the actor
 * stops, later ones at once. `actorId` names the actor.
 */
export class ActorStoppedError extends ZeroprocError {
  override readonly code = 'ERR_ACTOR_STOPPED' as const;
  /** Id of the actor that stopped. */
  readonly actorId: string;
  constructor(message: string, actorId = '') {
    super(message);
    this.actorId = actorId;
  }
}

/** Only the owner of a resource may do this (shut down an actor process another one spawned). */
export class NotOwnerError extends ZeroprocError {
  override readonly code = 'ERR_NOT_OWNER' as const;
}
