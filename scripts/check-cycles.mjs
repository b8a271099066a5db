#!/usr/bin/env node
/**
 * Fails (exit 1) when the value imports of src/**\/*.ts form a cycle. Type-only imports and
 * re-exports (`import type`, `export type`) are left out: they vanish at compile time, so they
 * cannot make one module run before another has finished loading.
 *
 * Usage: node scripts/check-cycles.mjs [dir]   (default: src next to this script)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// One statement from `import`/`export` to its `from '...'`, across lines; comments are stripped first.
const statement = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g;
const bare = /(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g;

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Whether every name a `{ ... }` clause brings in is marked `type`. */
function onlyTypes(clause) {
  const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function valueImports(file) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const targets = [];
  for (const m of text.matchAll(statement)) {
    const [, , typeOnly, clause, spec] = m;
    if (typeOnly || onlyTypes(clause)) continue;
    targets.push(spec);
  }
  for (const m of text.matchAll(bare)) targets.push(m[1]);
  return targets
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

const files = sourceFiles(root);
const known = new Set(files);
const graph = new Map(files.map((f) => [f, valueImports(f).filter((t) => known.has(t))]));

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let index = 0;
const indices = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  indices.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v)) {
    if (!indices.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v), indices.get(w)));
    }
  }
  if (low.get(v) === indices.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v).includes(v)) cycles.push(component);
  }
}
for (const f of files) if (!indices.has(f)) visit(f);

if (cycles.length > 0) {
  for (const c of cycles) {
    const names = new Set(c);
    const rel = (f) => relative(root, f);
    console.error(`value-import cycle among ${c.length} file(s):`);
    for (const f of c.sort()) console.error(`  ${rel(f)} -> ${graph.get(f).filter((t) => names.has(t)).map(rel).join(', ')}`);
  }
  console.error('check-cycles: use `import type`, or put an interface between the modules (docs: STYLE.md "Seams instead of cycles")');
  process.exit(1);
}

