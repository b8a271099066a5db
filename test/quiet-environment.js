import { TestEnvironment } from 'jest-environment-node';

/**
 * Keeps a passing test silent: whatever the test process writes to stdout or stderr while a test
 * file runs (library diagnostics, log records echoed to the console, children's output, Node
 * warnings) is held back, and written out only for a test that failed, under its name. Output
 * from outside any test (beforeAll/afterAll) is shown when a hook or any test of the file failed.
 * ZEROPROC_TEST_VERBOSE=1 lets everything through as it happens.
 */
export default class QuietEnvironment extends TestEnvironment {
  /** [{ test, out }] per test started; out holds [stream index, text] pairs */
  #held = [];
  #current;
  #outside = [];
  #failed = false;
  #restore;

  async setup() {
    await super.setup();
    if (process.env.ZEROPROC_TEST_VERBOSE) return;
    const streams = [process.stdout, process.stderr];
    const originals = streams.map((s) => s.write);
    streams.forEach((stream, i) => {
      stream.write = (chunk, encoding, callback) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        (this.#current ?? this.#outside).push([i, text]);
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') queueMicrotask(done);
        return true;
      };
    });
    this.#restore = () => streams.forEach((s, i) => (s.write = originals[i]));
  }

  handleTestEvent(event) {
    if (!this.#restore) return;
    if (event.name === 'test_start') {
      this.#current = [];
      this.#held.push({ test: event.test, out: this.#current });
    } else if (event.name === 'test_done') {
      this.#current = undefined;
    } else if (event.name === 'hook_failure' || event.name === 'test_fn_failure') {
      this.#failed = true;
    }
  }

  async teardown() {
    if (this.#restore) {
      this.#restore();
      const failed = this.#held.filter(({ test }) => test.errors.length > 0);
      for (const { test, out } of failed) show(`output of failed test "${fullName(test)}"`, out);
      if ((this.#failed || failed.length > 0) && this.#outside.length > 0) show('output outside tests', this.#outside);
    }
    await super.teardown();
  }
}

function fullName(test) {
  const names = [];
  for (let t = test; t && t.name !== 'ROOT_DESCRIBE_BLOCK'; t = t.parent) names.unshift(t.name);
  return names.join(' > ');
}

function show(title, out) {
  if (out.length === 0) return;
  process.stderr.write(`\n----- ${title} -----\n`);
  for (const [, text] of out) process.stderr.write(text);
  process.stderr.write(`----- end -----\n`);
}
