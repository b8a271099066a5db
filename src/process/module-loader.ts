/**
 * How a child loads the modules its parent asks for: relative paths against the child's working
 * directory (not against this file); bare names as a script in that directory would import them
 * (the project's own node_modules and its packages' `import` exports first, zeroproc's own
 * installation only for what the project lacks, zeroproc itself among them); TypeScript through
 * tsx, which is loaded on the first `.ts` import only, so a child that never imports TypeScript
 * starts and runs at plain `node` cost.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { canResolveFrom, dynamicImport, isPathLike, resolveFrom, resolveSpecifier } from '../dynamic-import.js';

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

/** A package name (`winston`, `@scope/pkg/sub`): neither a path nor a URL such as `node:os`. */
function isBare(specifier: string): boolean {
  return !isPathLike(specifier) && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'ERR_UNSUPPORTED_DIR_IMPORT';
}

/**
 * The URL of a bare name: the project's first (from the working directory, as a script there
 * would import it), then zeroproc's own. A failure says which name, from where, and why.
 */
function resolveBare(specifier: string): string {
  const cwd = process.cwd();
  let fromProject: unknown;
  if (canResolveFrom) {
    try {
      return resolveFrom(specifier, pathToFileURL(`${cwd}/`).href);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      fromProject = err;
    }
  }
  try {
    return resolveSpecifier(specifier);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const why = (fromProject as Error | undefined)?.message ?? (err as Error).message;
    throw new NotFoundError(`cannot import ${JSON.stringify(specifier)}: it resolves neither from ${cwd} (the working directory of pid ${process.pid}, looked up as a script there would import it) nor from zeroproc's own installation: ${why}`, { cause: err });
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
      return isBare(specifier) ? resolveBare(specifier) : resolveSpecifier(specifier);
    },
    async load(url: string): Promise<unknown> {
      if (needsTypeScript(url)) await ensureTypeScript(url);
      try {
        return await dynamicImport(url);
      } catch (err) {
        // Node blames the file that called import(), here zeroproc's own: say what was missing
        if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && (err as { url?: unknown }).url === url) {
          throw new NotFoundError(`cannot import ${url}: no such file (a relative path resolves against the working directory of pid ${process.pid}, ${process.cwd()})`, { cause: err });
        }
        throw err;
      }
    },
  };
}
