/** How errors cross the wire: the server's error reply, and the error the caller sees. */
import {
  AlreadyExistsError, AuthError, CancelledError, ImportDeniedError, InvalidArgumentError, MessageTooLargeError, NotExposedError, NotFoundError,
  markRemote, ProtocolError, QueueFullError, RemoteError, TimeoutError, ZeroprocError, type ErrorOrigin,
} from '../errors.js';
import { withoutOwnFrames } from './call-site.js';

/**
 * An error raised by the server's own machinery (unknown object, refused import, bad request)
 * rather than by the code it called; the caller gets the matching local error class.
 */
export class SystemFailure {
  constructor(readonly error: ZeroprocError) {}
}

type ErrorClass = new (message: string) => ZeroprocError;

const systemErrors: Record<string, ErrorClass> = {
  ERR_NOT_FOUND: NotFoundError,
  ERR_AUTH: AuthError,
  ERR_PROTOCOL: ProtocolError,
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_ALREADY_EXISTS: AlreadyExistsError,
  ERR_CANCELLED: CancelledError,
  ERR_TIMEOUT: TimeoutError,
  ERR_QUEUE_FULL: QueueFullError,
  ERR_MESSAGE_TOO_LARGE: MessageTooLargeError,
  ERR_IMPORT_DENIED: ImportDeniedError,
  ERR_NOT_EXPOSED: NotExposedError,
};

/**
 * The error a caller sees for an `err` reply: the decoder rebuilt `error` as an instance of its
 * class when that class is known here (wire/error-classes.ts); such an error is kept and given
 * RemoteError's fields, any other becomes a RemoteError.
 */
export function errorFromReply(error: unknown, sys: string | undefined, origin: ErrorOrigin): Error {
  const e = error instanceof Error ? error : new Error(describe(error));
  if (sys) {
    const Cls = systemErrors[sys] ?? ProtocolError;
    return new Cls(`${e.message} (server ${origin.server})`);
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(e)) fields[key] = (e as unknown as Record<string, unknown>)[key];
  const stack = typeof e.stack === 'string' ? withoutOwnFrames(e.stack) : undefined;
  if (Object.getPrototypeOf(e) === Error.prototype) return new RemoteError({ name: e.name, message: e.message, stack, cause: e.cause, fields }, origin);
  markRemote(e, { remoteName: e.name, remoteMessage: e.message, remoteStack: stack, origin, fields, remoteCode: fields.code });
  // as a RemoteError's: where it was received, then where it was raised. The message stays the
  // class's own (its methods may use it), so the origin a RemoteError's message names is here.
  const here: { stack?: string } = {};
  Error.captureStackTrace(here, errorFromReply);
  const frames = (here.stack ?? '').split('\n').slice(1).join('\n');
  const from = `${origin.server}, pid ${origin.pid} on ${origin.host}`;
  e.stack = `${e.name}: ${e.message}\n${frames}\n    --- remote stack (${from}) ---\n${stack ?? '(none)'}`;
  return e;
}

/** `String(value)`, or a description when the value refuses to be converted. */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A plain Error carrying what can be kept of `err` when the error itself cannot be encoded. Never
 * throws, whatever was thrown (an object without prototype, a throwing toString...).
 */
export function encodableError(err: unknown): Error {
  if (err instanceof Error) {
    const plain = new Error(describe(err.message));
    Object.defineProperty(plain, 'name', { value: describe(err.name), configurable: true, writable: true });
    plain.stack = typeof err.stack === 'string' ? err.stack : undefined;
    return plain;
  }
  return new Error(typeof err === 'string' ? err : `non-error value thrown: ${describe(err)}`);
}
