/**
 * How a child loads the modules its parent asks for: relative paths against the child's working
 * directory (not against this file), bare names from here and then from the working directory,
 * and TypeScript through tsx, which is loaded on the first `.ts` import only, so a child that
 * never imports TypeScript starts and runs at plain `node` cost.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { dynamicImport, isPathLike, resolveSpecifier } from '../dynamic-import.js';

/** How a child may treat TypeScript modules. */
export interface ModuleLoaderOptions {
  /** `'auto'`: load tsx on the first `.ts` import; `true`: tsx is already loaded; `false`: refuse. */
  typescript: 'auto' | boolean;
  /** True when the process already runs under tsx. */
  tsxLoaded: boolean;
}

/**
 * A child's module loading in two steps, so that its import policy judges the very URL that is
 * then loaded.
 */
export interface ModuleLoader {
  /** The URL `load` should be given for `specifier`; throws as the import would when there is none. */
  resolve(specifier: string): string;
  /** Imports a URL from {@link resolve}, loading tsx first when it is TypeScript. */
  load(url: string): Promise<unknown>;
}

const TS_EXTENSION = /\.(c|m)?tsx?$/;

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

/** Creates the loader the child's RPC server (and its preloads) use. */
export function createModuleLoader(options: ModuleLoaderOptions): ModuleLoader {
  let tsx: Promise<void> | undefined = options.tsxLoaded ? Promise.resolve() : undefined;

  const ensureTypeScript = (url: string): Promise<void> => {
    if (options.typescript === false) {
      return Promise.reject(
        new InvalidArgumentError(`cannot import ${url}: this process was spawned with typescript: false`),
      );
    }
    tsx ??= (dynamicImport('tsx/esm/api') as Promise<typeof import('tsx/esm/api')>).then(({ register }) => {
      register();
    });
    return tsx;
  };

  return {
    resolve(specifier: string): string {
      try {
        return resolveSpecifier(specifier);
      } catch (error) {
        // a package zeroproc's own node_modules lacks may be installed where the child runs
        const fromCwd = isPathLike(specifier) ? undefined : locateFromCwd(specifier);
        if (fromCwd === undefined) throw error;
        return fromCwd;
      }
    },
    async load(url: string): Promise<unknown> {
      if (needsTypeScript(url)) await ensureTypeScript(url);
      return dynamicImport(url);
    },
  };
}
