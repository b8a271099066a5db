/**
 * Which bootstrap a child runs and with which Node flags. The compiled `dist/children/bootstrap.js`
 * starts at plain `node` cost (~70 ms to a first answer); running `children/bootstrap.ts` under
 * tsx costs ~100 ms more. So the compiled one is used whenever it is at least as new as every
 * source file it was built from, and tsx otherwise (a working copy edited since the last build).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpawnError } from '../errors.js';

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
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'children'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new SpawnError(`cannot find the package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

interface Entries {
  /** The compiled bootstrap, if it was built. */
  compiled: string | undefined;
  /** True when the compiled bootstrap is at least as new as every source file. */
  fresh: boolean;
  source: string;
  tsxLoader: string;
}

let entries: Entries | undefined;

/** Looks the bootstrap up once per parent process, not once per spawn (it walks the source tree). */
function findEntries(): Entries {
  if (entries) return entries;
  const root = findPackageRoot();
  const source = join(root, 'children', 'bootstrap.ts');
  const compiledPath = join(root, 'dist', 'children', 'bootstrap.js');
  const compiled = existsSync(compiledPath) ? compiledPath : undefined;
  // an installed package may ship without sources: then the build is all there is
  const fresh =
    compiled !== undefined &&
    (!existsSync(source) ||
      statSync(compiled).mtimeMs >= Math.max(newestSourceMtime(join(root, 'children')), newestSourceMtime(join(root, 'src'))));
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  entries = { compiled, fresh, source, tsxLoader };
  return entries;
}

/** Chooses the bootstrap for a child with the given `typescript` option. */
export function planLaunch(typescript: 'auto' | boolean): LaunchPlan {
  const { compiled, fresh, source, tsxLoader } = findEntries();
  const forced = process.env[BOOTSTRAP_ENV];
  if (forced === 'compiled' && compiled === undefined) {
    throw new SpawnError(`${BOOTSTRAP_ENV}=compiled, but dist/children/bootstrap.js does not exist (run npm run build)`);
  }
  const entry = forced === 'compiled' || (forced !== 'source' && fresh) ? compiled! : source;
  const tsxLoaded = entry === source || typescript === true;
  return { execArgv: tsxLoaded ? ['--import', tsxLoader] : [], entry, tsxLoaded };
}
