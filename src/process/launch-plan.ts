/**
 * Which bootstrap a child runs and with which Node flags. The compiled `dist/children/bootstrap.js`
 * starts at plain `node` cost (~70 ms to a first answer); running `children/bootstrap.ts` under
 * tsx costs ~100 ms more. So the compiled one is used whenever it exists, and tsx only without a
 * build. A stale build is not second-guessed: user modules that import `zeroproc` get `dist/`
 * too, and a child running the sources would hold two copies of the library (two registries of
 * servers and types). After editing `src/`, run `npm run build` (`npm test` does).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RESOLVE_FROM_FLAG } from '../dynamic-import.js';
import { SpawnError } from '../errors.js';
import { packageRoot } from '../package-root.js';

/**
 * Environment variable that forces the choice (`compiled` or `source`), for benchmarks and for
 * debugging a stale build. Read by the parent only.
 */
export const BOOTSTRAP_ENV = 'ZEROPROC_CHILD_BOOTSTRAP';

/** How to start one child. */
export interface LaunchPlan {
  /** Node flags that go before the entry script. */
  execArgv: string[];
  /** Absolute path of the bootstrap script. */
  entry: string;
  /** True when the child runs under tsx from its first line. */
  tsxLoaded: boolean;
}

function findPackageRoot(): string {
  const root = packageRoot();
  if (!root) throw new SpawnError(`cannot find the package root above ${fileURLToPath(import.meta.url)}`);
  return root;
}

interface Entries {
  /** The compiled bootstrap, if it was built. */
  compiled: string | undefined;
  source: string;
  tsxLoader: string;
}

let entries: Entries | undefined;

/** Looks the bootstrap up once per parent process, not once per spawn. */
function findEntries(): Entries {
  if (entries) return entries;
  const root = findPackageRoot();
  const source = join(root, 'children', 'bootstrap.ts');
  const compiledPath = join(root, 'dist', 'children', 'bootstrap.js');
  const compiled = existsSync(compiledPath) ? compiledPath : undefined;
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  entries = { compiled, source, tsxLoader };
  return entries;
}

/** Chooses the bootstrap for a child with the given `typescript` option. */
export function planLaunch(typescript: 'auto' | boolean): LaunchPlan {
  const { compiled, source, tsxLoader } = findEntries();
  const forced = process.env[BOOTSTRAP_ENV];
  if (forced === 'compiled' && compiled === undefined) {
    throw new SpawnError(`${BOOTSTRAP_ENV}=compiled, but dist/children/bootstrap.js does not exist (run npm run build)`);
  }
  const entry = forced === 'compiled' || (forced !== 'source' && compiled !== undefined) ? compiled! : source;
  const tsxLoaded = entry === source || typescript === true;
  // the flag lets the child resolve a bare name from its working directory (module-loader.ts)
  return { execArgv: [RESOLVE_FROM_FLAG, ...(tsxLoaded ? ['--import', tsxLoader] : [])], entry, tsxLoaded };
}
