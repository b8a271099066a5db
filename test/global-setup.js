import { randomBytes } from 'node:crypto';

/**
 * Tags every process the suite starts: children inherit the environment, so the
 * teardown can find any of them that outlived the run, however it was started.
 */
export default function globalSetup() {
  process.env.ZEROPROC_TEST_RUN = randomBytes(8).toString('hex');
}
