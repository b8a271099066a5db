import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null | undefined;

/**
 * The directory of zeroproc's own package (the one holding its package.json and `children/`),
 * found by walking up from this module wherever it was loaded from (src/ under tsx, dist/src/,
 * or the bundled dist/core.js); undefined when there is none.
 */
export function packageRoot(): string | undefined {
  if (root !== undefined) return root ?? undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'children'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) return (root = null) ?? undefined;
    dir = up;
  }
}
