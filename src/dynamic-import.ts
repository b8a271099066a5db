/**
 * The library's `import()` of user modules, in a module of its own.
 *
 * A child's start-up modules are bundled into one file (scripts/bundle-child.mjs), and this one
 * is kept out of it: tsx, which TypeScript children run under, rewrites every file that contains
 * a dynamic `import()` and builds a source map over the whole file to do it (40-80 ms for the
 * bundle, against well under 1 ms for this file). Under tsx the call here still gets tsx's
 * CommonJS interop, as a call from any other file would.
 *
 * Bare specifiers resolve from this file (in `import()` and in {@link resolveSpecifier} alike),
 * that is from the package's own node_modules, like those of every other module of the library;
 * {@link resolveFrom} resolves them as a module elsewhere would. Every `import()` of a user module
 * in the library goes through here (the build checks that the bundle has none left).
 */

import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** True for a specifier naming a file by path: `./x`, `../x`, `.`, `..`, `/x`. */
export function isPathLike(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..' || isAbsolute(specifier);
}

/**
 * The URL `import()` here loads for `specifier`, symlinks resolved: paths against the working
 * directory, anything else as `import()` in this file would. Throws `ERR_MODULE_NOT_FOUND` for a
 * package that is not installed, as the import would.
 */
export function resolveSpecifier(specifier: string): string {
  return import.meta.resolve(isPathLike(specifier) ? pathToFileURL(resolve(specifier)).href : specifier);
}

/**
 * Node flag that lets `import.meta.resolve` take a parent URL; spawned children run with it (the
 * parent's own process may not, hence {@link canResolveFrom}).
 */
export const RESOLVE_FROM_FLAG = '--experimental-import-meta-resolve';

/** Whether {@link resolveFrom} honours its parent here (the flag above is on). */
export const canResolveFrom = ((): boolean => {
  try {
    return import.meta.resolve('./probe.js', 'file:///zeroproc-probe/') === 'file:///zeroproc-probe/probe.js';
  } catch {
    return false;
  }
})();

/**
 * The URL `specifier` resolves to for a module at `parent` (a file: URL, a directory ending in
 * `/`), by ESM rules: the `import` conditions of a package's exports, node_modules looked up
 * from `parent`'s directory upwards. Only where {@link canResolveFrom} is true.
 */
export function resolveFrom(specifier: string, parent: string): string {
  return import.meta.resolve(specifier, parent);
}

/** `import(specifier)`. */
export function dynamicImport(specifier: string): Promise<unknown> {
  return import(specifier);
}
