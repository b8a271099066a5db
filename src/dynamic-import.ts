/**
 * The library's `import()` of user modules, in a module of its own.
 *
 * A child's start-up modules are bundled into one file (scripts/bundle-child.mjs), and this one
 * is kept out of it: tsx, which TypeScript children run under, rewrites every file that contains
 * a dynamic `import()` and builds a source map over the whole file to do it (40-80 ms for the
 * bundle, against well under 1 ms for this file). Under tsx the call here still gets tsx's
 * CommonJS interop, as a call from any other file would.
 *
 * Bare specifiers resolve from this file, that is from the package's own node_modules, like
 * those of every other module of the library. Every `import()` of a user module in the library
 * goes through here (the build checks that the bundle has none left).
 */

/** `import(specifier)`. */
export function dynamicImport(specifier: string): Promise<unknown> {
  return import(specifier);
}
