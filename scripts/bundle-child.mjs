/**
 * Build step after tsc (`npm run build`): puts the modules a child loads before its first answer
 * into one file, dist/core.js, and turns their files under dist/src into re-exports of it.
 *
 * Why: a child's start is mostly module loading. Node 20 resolves, reads and links ES modules one
 * file at a time (0.5-1 ms each, more under tsx's hooks), and before it can answer a child needs
 * ~35 of ours plus the ~35 CommonJS files of msgpack-lite. As one file they load in about half the
 * time (bench/README.md, "5. Spawn").
 *
 * Why re-exports and not a separate bundle: a process must hold one copy of the library. User
 * modules reach it through `zeroproc` (dist/src/index.js, not bundled) or through deep paths, and
 * must get the very module instances the bootstrap uses (server registry, registered types,
 * logger). After this step the code of each bundled module exists only in dist/core.js, and its
 * own file holds nothing but names, so every path to it ends at the same instance.
 *
 * Only the bootstrap's static imports are bundled: the rest of the library (spawner, log layer,
 * actors, CLI) loads on demand, as before. zeromq (a native addon) and tsx stay in node_modules;
 * msgpack-lite is bundled.
 *
 * A plain `tsc` build without this step is still a complete, working dist/ (only slower to spawn).
 */
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const bootstrap = join(dist, 'children', 'bootstrap.js');
const core = join(dist, 'core.js');
/**
 * Stays a file of its own: tsx rewrites every file that contains a dynamic `import()`, with a
 * source map over the whole file, which costs 40-80 ms for the bundle (see dynamic-import.ts).
 */
const dynamicImportHelper = join(dist, 'src', 'dynamic-import.js');
const external = ['zeromq', 'tsx', 'tsx/*'];
/**
 * CommonJS packages the bundle loads with require() rather than import: an ES module importing
 * CommonJS makes Node scan the package's files for their export names (cjs-module-lexer), and
 * under tsx sends each file through its hooks. For zeromq that is 8.5 ms instead of 13 bare, and
 * 9-13 ms instead of ~26 under tsx. Same module instance either way (Node's CommonJS cache).
 */
const requiredPackages = ['zeromq'];

const posix = (path) => path.split(sep).join('/');
const specifierFrom = (fromFile, toFile) => {
  const path = posix(relative(dirname(fromFile), toFile));
  return path.startsWith('.') ? path : `./${path}`;
};

/** The bootstrap's static import closure inside dist/, without the bootstrap and the helper. */
async function coreModules() {
  const { metafile } = await build({
    entryPoints: [bootstrap],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: join(dist, '.probe'),
    logLevel: 'silent',
  });
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of metafile.inputs[file].imports) {
      if (imp.kind === 'import-statement' && !imp.external) walk(imp.path);
    }
  };
  const start = posix(relative(root, bootstrap));
  walk(start);
  return [...seen]
    .map((file) => join(root, file))
    .filter((file) => file !== bootstrap && file !== dynamicImportHelper)
    .sort();
}

/** The names each module exports, with `export *` resolved. */
async function exportsOf(files) {
  const { metafile } = await build({
    entryPoints: files,
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    outdir: join(dist, '.probe'),
    outbase: dist,
    logLevel: 'silent',
  });
  const names = new Map();
  for (const output of Object.values(metafile.outputs)) {
    if (output.entryPoint) names.set(join(root, output.entryPoint), output.exports);
  }
  return names;
}

/** Start offsets of the `import` keyword of every dynamic `import()` in `code`. */
function dynamicImports(file, code) {
  const found = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) found.push(node.expression.getStart(source));
    ts.forEachChild(node, visit);
  };
  const source = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  visit(source);
  return found;
}

/**
 * Loads {@link requiredPackages} with require(), and keeps the dynamic-import helper a file of
 * its own (the library's import() calls all go through it).
 */
const routePackagesAndDynamicImports = {
  name: 'route-packages-and-dynamic-imports',
  setup(b) {
    const filter = new RegExp(`^(${requiredPackages.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'required-package' ? { path: args.path, external: true } : { path: args.path, namespace: 'required-package' },
    );
    b.onLoad({ filter: /.*/, namespace: 'required-package' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    b.onResolve({ filter: /dynamic-import\.js$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return path === dynamicImportHelper ? { path: specifierFrom(core, path), external: true } : undefined;
    });
  },
};

const files = await coreModules();
const names = await exportsOf(files);
const alias = (index, name) => `m${index}$${name}`;
const entry = files
  .map((file, i) => `export { ${names.get(file).map((n) => `${n} as ${alias(i, n)}`).join(', ')} } from ${JSON.stringify(file)};`)
  .join('\n');

await build({
  stdin: { contents: entry, resolveDir: dist, sourcefile: 'core-entry.js', loader: 'js' },
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: core,
  external,
  plugins: [routePackagesAndDynamicImports],
  sourcemap: true,
  // CommonJS code bundled into an ES module still calls require() for Node's built-in modules
  banner: { js: "import { createRequire as __zeroprocCreateRequire } from 'node:module';\nconst require = __zeroprocCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

const left = dynamicImports(core, readFileSync(core, 'utf8'));
if (left.length > 0) throw new Error(`bundle-child: ${posix(relative(root, core))} has ${left.length} dynamic import(s): call dynamicImport() from src/dynamic-import.ts instead (tsx rewrites a file that has one)`);

const facade = (i, fromFile) =>
  `export { ${names.get(files[i]).map((n) => `${alias(i, n)} as ${n}`).join(', ')} } from '${specifierFrom(fromFile, core)}';\n`;

// The bootstrap imports core.js itself rather than the re-exporting files (each is one more
// module to resolve and load, and under tsx one more round trip to its hooks thread).
await build({
  entryPoints: [bootstrap],
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: bootstrap,
  allowOverwrite: true,
  external,
  sourcemap: true,
  plugins: [
    {
      name: 'bootstrap-imports',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.namespace === 'facade') return { path: args.path, external: true };
          const path = resolve(args.resolveDir, args.path);
          const i = files.indexOf(path);
          if (i >= 0) return { path: String(i), namespace: 'facade' };
          // anything else (the log layer, loaded on demand) stays the one file it is
          return path === bootstrap ? undefined : { path: specifierFrom(bootstrap, path), external: true };
        });
        b.onLoad({ filter: /.*/, namespace: 'facade' }, (args) => ({ contents: facade(Number(args.path), bootstrap), loader: 'js' }));
      },
    },
  ],
  logLevel: 'warning',
});

for (const [i, file] of files.entries()) {
  writeFileSync(file, `// bundled into dist/core.js by scripts/bundle-child.mjs\n${facade(i, file)}`);
  rmSync(`${file}.map`, { force: true });
}
