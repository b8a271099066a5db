/** A module the errors-and-timeouts example imports in its child: code that fails in three ways. */
import { currentCall, getProcessName } from 'zeroproc';

/** A user error class with its own fields; they travel with the error. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(message: string, readonly field: string, readonly code = 'E_VALIDATION') {
    super(message);
  }
}

function checkAge(age: number): void {
  if (!(age >= 0 && age < 150)) throw new ValidationError(`age must be between 0 and 149, got ${age}`, 'age');
}

/** Throws from a nested function, so the remote stack has something to show. */
export function register(name: string, age: number): string {
  checkAge(age);
  return `${name} registered`;
}

/** Takes `ms` to answer, but stops early when the caller gives up (timeout or cancel). */
export function slowAnswer(ms: number): Promise<string> {
  const signal = currentCall()?.signal;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('finally done'), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      console.log(`${getProcessName()}: slowAnswer(${ms}) was cancelled by its caller`);
      reject(new Error('cancelled'));
    });
  });
}

/** Writes a few lines to stderr, then the process dies in the middle of the call. */
export function crashMidCall(): Promise<never> {
  console.error('fatal: the flux capacitor overheated');
  console.error('fatal: giving up, exit code 3');
  setTimeout(() => process.exit(3), 50);
  return new Promise(() => {}); // never answers
}
