// prepack (after the build: with the scripts gone, npm runs no `prepare` of its own) / postpack: the package.json that ships keeps what a consumer's npm reads (name,
// version, exports, bin, dependencies, engines...) and leaves out what only this repository uses:
// its scripts (they run tests and benchmarks that are not in the package), devDependencies,
// overrides (npm ignores them outside the root project) and allowScripts. postpack puts the
// repository's own file back.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const manifest = 'package.json';
const saved = '.package.json.repo';
const step = process.argv[2];

if (step === 'trim') {
  if (existsSync(saved)) throw new Error(`${saved} exists: a previous pack did not finish; restore it with \`node scripts/pack-manifest.mjs restore\``);
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  writeFileSync(saved, text);
  for (const key of ['scripts', 'devDependencies', 'overrides', 'allowScripts']) delete pkg[key];
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (step === 'restore') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  throw new Error(`usage: node scripts/pack-manifest.mjs trim|restore, got ${JSON.stringify(step)}`);
}
