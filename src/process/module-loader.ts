/**
 * How a child loads the modules its parent asks for: relative paths against the child's working
 * directory (not against this file), bare names from here and then from the working directory,
 * and TypeScript through tsx, which is loaded on the first `.ts` import only, so a child that
 * never imports TypeScript starts and runs at plain `node` cost.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { dynamicImport } from '../dynamic-import.js';

/** How a child may treat TypeScript modules. */
export interface ModuleLoaderOptions {
  /** `'auto'`: load tsx on the first `.ts` import; `true`: tsx is already loaded; `false`: refuse. */
  typescript: 'auto' | boolean;
  /** True when the process already runs under tsx. */
  tsxLoaded: boolean;
}

const TS_EXTENSION = /\.(c|m)?tsx?$/;

function isPathLike(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..' || isAbsolute(specifier);
}

/** Turns a specifier into something `import()` here resolves as the parent meant it. */
function locate(specifier: string): string {
  if (isPathLike(specifier)) return pathToFileURL(resolve(process.cwd(), specifier)).href;
  return specifier;
}

function isMissing(error: unknown, specifier: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${specifier}'`);
}

/** Resolves a bare name from the child's working directory, for packages zeroproc cannot see. */
function locateFromCwd(specifier: string): string | undefined {
  try {
    return pathToFileURL(createRequire(join(process.cwd(), 'noop.js')).resolve(specifier)).href;
  } catch {
    return undefined;
  }
}

function needsTypeScript(url: string): boolean {
  return url.startsWith('file:') && TS_EXTENSION.test(fileURLToPath(url));
}

/** Creates the `importModule` function the child's RPC server uses for remote imports. */
export function createModuleLoader(options: ModuleLoaderOptions): (specifier: string) => Promise<unknown> {
  let tsx: Promise<void> | undefined = options.tsxLoaded ? Promise.resolve() : undefined;

  const ensureTypeScript = (specifier: string): Promise<void> => {
    if (options.typescript === false) {
      return Promise.reject(
        new InvalidArgumentError(`cannot import ${specifier}: this process was spawned with typescript: false`),
      );
    }
    tsx ??= (dynamicImport('tsx/esm/api') as Promise<typeof import('tsx/esm/api')>).then(({ register }) => {
      register();
    });
    return tsx;
  };

  return async (specifier: string) => {
    const url = locate(specifier);
    if (needsTypeScript(url)) await ensureTypeScript(specifier);
    try {
      return await dynamicImport(url);
    } catch (error) {
      if (url !== specifier || !isMissing(error, specifier)) throw error;
      const fromCwd = locateFromCwd(specifier);
      if (fromCwd === undefined) throw error;
      if (needsTypeScript(fromCwd)) await ensureTypeScript(specifier);
      return dynamicImport(fromCwd);
    }
  };
}
