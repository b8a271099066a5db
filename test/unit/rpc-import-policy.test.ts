import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { realpathSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPathLike } from '../../src/dynamic-import.js';
import { ImportDeniedError, InvalidArgumentError } from '../../src/errors.js';
import { checkImportPolicy, checkImportRules, ImportGate, type ImportPolicy } from '../../src/rpc/import-policy.js';
import { createImportProject } from '../helpers/import-project.js';

let root: string;
beforeAll(() => {
  root = createImportProject();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const url = (path: string): string => pathToFileURL(path).href;

/**
 * Node's resolution for the cases here. jest's module runtime has its own `import.meta.resolve`,
 * so the real one (src/dynamic-import.ts) is exercised by children in
 * test/integration/process-imports.test.ts; this keeps its observable behaviour: symlinks and
 * `..` resolved, builtins as `node:` URLs, URLs as they are, a missing package an error.
 */
function resolveLikeNode(specifier: string): string {
  if (isPathLike(specifier)) {
    const path = resolve(specifier);
    try {
      return url(realpathSync(path));
    } catch {
      return url(path);
    }
  }
  if (isBuiltin(specifier)) return specifier.startsWith('node:') ? specifier : `node:${specifier}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return specifier;
  throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

function gate(policy: ImportPolicy | undefined): ImportGate {
  return new ImportGate({ policy, resolve: resolveLikeNode, serverName: 'unit' });
}

async function refusal(g: ImportGate, specifier: string): Promise<ImportDeniedError> {
  const error = await g.admit(specifier).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportDeniedError);
  return error as ImportDeniedError;
}

describe('the default policy', () => {
  test.each([
    ['child_process', 'node:child_process', 'runs other programs'],
    ['node:child_process', 'node:child_process', 'runs other programs'],
    ['vm', 'node:vm', 'evaluates code'],
    ['node:worker_threads', 'node:worker_threads', 'evaluates code in new threads'],
    ['node:cluster', 'node:cluster', 'forks'],
    ['node:inspector/promises', 'node:inspector/promises', 'evaluates code'],
    ['module', 'node:module', 'loader hooks'],
    ['node:process', 'node:process', 'process.binding'],
    ['node:repl', 'node:repl', 'evaluates code'],
    ['node:test', 'node:test', 'new processes'],
  ])('refuses %s, naming what it resolved to and why', async (specifier, resolved, why) => {
    const error = await refusal(gate(undefined), specifier);
    expect(error.code).toBe('ERR_IMPORT_DENIED');
    expect(error.message).toContain(`import of ${JSON.stringify(specifier)} refused on unit: it resolves to ${resolved}, and the default import policy refuses ${resolved.split('/')[0]}, which`);
    expect(error.message).toContain(why);
    expect(error.message).toContain('allow it explicitly with allowImport');
  });

  test.each([
    ['data:text/javascript,export default 1', 'data:'],
    ['https://example.com/x.js', 'https:'],
    ['http://example.com/x.js', 'http:'],
  ])('refuses %s: code that is not on this disk', async (specifier, scheme) => {
    const error = await refusal(gate(undefined), specifier);
    expect(error.message).toContain(`it resolves to ${specifier}, and the default import policy loads only file: and node: URLs, not ${scheme}`);
  });

  test('allows files and the other builtins, and hands back the resolved URL', async () => {
    const g = gate(undefined);
    await expect(g.admit('os')).resolves.toBe('node:os');
    await expect(g.admit('node:fs/promises')).resolves.toBe('node:fs/promises');
    await expect(g.admit(join(root, 'workers', 'task.mjs'))).resolves.toBe(url(join(root, 'workers', 'task.mjs')));
    // what is imported is the symlink's target, not the name it was asked by
    await expect(g.admit(join(root, 'workers', 'link.mjs'))).resolves.toBe(url(join(root, 'secret.mjs')));
  });

  test('a package that is not installed fails as the import would, not as a refusal', async () => {
    await expect(gate(undefined).admit('zeroproc-no-such-package')).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });
});

describe('an allow-list is matched against the resolved URL', () => {
  test("a directory rule: '..' and symlinks out of it are refused", async () => {
    const g = gate(['node:os', `${join(root, 'workers')}/`]);
    await expect(g.admit(join(root, 'workers', 'task.mjs'))).resolves.toBe(url(join(root, 'workers', 'task.mjs')));
    const escape = `${join(root, 'workers')}/../node_modules/runner/index.js`;
    const error = await refusal(g, escape);
    expect(error.message).toBe(
      `import of ${JSON.stringify(escape)} refused on unit: it resolves to ${url(join(root, 'node_modules', 'runner', 'index.js'))}, ` +
        `and no allowImport rule matches it ("node:os", ${JSON.stringify(`${join(root, 'workers')}/`)})`,
    );
    expect((await refusal(g, join(root, 'workers', 'link.mjs'))).message).toContain(`it resolves to ${url(join(root, 'secret.mjs'))}`);
  });

  test('a RegExp tests the URL, not the text: the README pattern no longer lets ../ through', async () => {
    const textual = gate([/^\.\/workers\//]);
    expect((await refusal(textual, `${join(root, 'workers')}/../node_modules/runner/index.js`)).message).toContain('no allowImport rule matches it (/^\\.\\/workers\\//)');
    const prefix = new RegExp(`^${url(join(root, 'workers')).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/[^/]+\\.mjs$`, 'g');
    const byUrl = gate([prefix]);
    // twice: a /g RegExp must not carry its lastIndex from one check to the next
    await expect(byUrl.admit(join(root, 'workers', 'task.mjs'))).resolves.toMatch(/task\.mjs$/);
    await expect(byUrl.admit(join(root, 'workers', 'task.mjs'))).resolves.toMatch(/task\.mjs$/);
    await refusal(byUrl, join(root, 'workers', 'link.mjs'));
  });

  test('a specifier rule allows exactly the module it resolves to, by any name', async () => {
    const g = gate(['os', 'node:child_process', join(root, 'secret.mjs')]);
    await expect(g.admit('node:os')).resolves.toBe('node:os');
    await expect(g.admit('child_process')).resolves.toBe('node:child_process');
    await expect(g.admit(join(root, 'workers', 'link.mjs'))).resolves.toBe(url(join(root, 'secret.mjs')));
    await refusal(g, 'node:fs');
  });

  test('a builtin that runs code is let in only by a rule naming it, never by a pattern', async () => {
    const g = gate(['node:', /^node:/]);
    await expect(g.admit('os')).resolves.toBe('node:os');
    expect((await refusal(g, 'child_process')).message).toBe(
      'import of "child_process" refused on unit: it resolves to node:child_process, and no allowImport rule names it ' +
        '("node:", /^node:/): node:child_process runs other programs, so only a rule naming it lets it in',
    );
    await refusal(g, 'node:inspector/promises');
    await expect(gate(['node:', 'vm']).admit('node:vm')).resolves.toBe('node:vm');
  });

  test('a scheme rule allows every URL of that scheme', async () => {
    const g = gate(['data:']);
    await expect(g.admit('data:text/javascript,export default 1')).resolves.toBe('data:text/javascript,export default 1');
    await refusal(g, 'node:os');
  });

  test('the gate keeps its own copy of the list', async () => {
    const rules: string[] = [];
    const g = gate(rules);
    rules.push('node:os');
    await refusal(g, 'node:os');
  });

  test('an empty list allows nothing', async () => {
    expect((await refusal(gate([]), 'node:os')).message).toContain('and this server accepts no imports (allowImport: [])');
  });

  test('a predicate gets the resolved URL and the specifier as sent', async () => {
    const seen: string[] = [];
    const g = gate((u, specifier) => {
      seen.push(`${specifier} -> ${u.href}`);
      return u.protocol === 'node:' && u.pathname === 'os';
    });
    await expect(g.admit('os')).resolves.toBe('node:os');
    expect((await refusal(g, 'fs')).message).toContain('it resolves to node:fs, and the allowImport function refused it');
    expect(seen).toEqual(['os -> node:os', 'fs -> node:fs']);
  });
});

describe('checking the option', () => {
  test.each([
    ['spawn', 'node:os', 'spawn: option `allowImport` must be a list of strings and RegExps, got "node:os"'],
    ['spawn', () => true, 'spawn: option `allowImport` must be a list of strings and RegExps, got a function'],
    ['spawn', ['node:os', 3], 'spawn: option `allowImport` must be a list of non-empty strings and RegExps (item 1), got 3'],
    ['spawn', [''], 'spawn: option `allowImport` must be a list of non-empty strings and RegExps (item 0), got ""'],
    ['spawn', ['execa/'], 'spawn: option `allowImport` must be a list whose directories are paths or file: URLs (item 0; a package is named without a slash), got "execa/"'],
  ])('%s refuses %p', (caller, value, message) => {
    expect(() => checkImportRules(caller, value)).toThrow(new InvalidArgumentError(message));
  });

  test('a server also takes a predicate, and nothing else', () => {
    const predicate = (): boolean => true;
    expect(checkImportPolicy('RPCServer.start', predicate)).toBe(predicate);
    expect(checkImportPolicy('RPCServer.start', undefined)).toBeUndefined();
    expect(() => checkImportPolicy('RPCServer.start', true)).toThrow(
      new InvalidArgumentError('RPCServer.start: option `allowImport` must be a list of strings and RegExps, or a function, got true'),
    );
  });
});
