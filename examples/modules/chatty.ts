/** A module the logs example imports in each of its children: it logs, and it prints. */
import { getLogger, getProcessName } from 'zeroproc';

const log = getLogger('chatty');

export function handle(requests: number): void {
  const me = getProcessName();
  log.info(`${me} handling ${requests} request(s)`); // a structured record, sent to the log server
  log.debug(`${me} debug details`); // below the default level (info): not sent
  console.log(`${me} says hi on stdout`); // captured line by line by the parent
  if (me === 'db') {
    log.warn('db: slow query (1200 ms)', { table: 'orders' }); // extra fields become the record's meta
    log.error('db: connection reset', { retries: 3 });
    console.error('db: retrying on stderr'); // stderr lines get level warn
  }
  log.info(`${me} done`);
}
