/**
 * Which modules a server lets its clients import. A remote import is code loading, so the policy
 * is matched against what `import()` would load, the resolved URL, and never against the text of
 * the specifier: `./workers/../node_modules/execa/index.js` starts with `./workers/` and loads
 * execa; a symlink under an allowed directory may point anywhere. The gate resolves first,
 * decides on the URL, and the server then imports that very URL.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeValue } from '../describe-value.js';
import { ImportDeniedError, InvalidArgumentError } from '../errors.js';

/**
 * One rule of an allow-list:
 * - `'node:'`, `'data:'`, `'https:'`...: every URL of that scheme;
 * - a directory, ending with `/` (`'./workers/'`, `'/srv/app/lib/'`, `'file:///srv/app/lib/'`):
 *   every file under it, after symlinks are resolved;
 * - any other string is a specifier (`'node:os'`, `'os'`, `'execa'`, `'./tasks.js'`), resolved as
 *   the import would be: it allows exactly the module it resolves to;
 * - a RegExp is tested against the resolved URL (`/^file:\/\/\/srv\/app\/workers\/[^/]+\.js$/`).
 *
 * A builtin of {@link CODE_RUNNING_BUILTINS} passes only a specifier rule naming it
 * (`'node:child_process'` or `'child_process'`), never a scheme rule or a RegExp.
 */
export type ImportRule = string | RegExp;

/**
 * What a server may import: a list of {@link ImportRule}s (exactly what one of them matches is
 * allowed; `[]` allows nothing), or a predicate of the resolved URL and the specifier as sent.
 * Without one, the default policy applies: see {@link CODE_RUNNING_BUILTINS}.
 */
export type ImportPolicy = readonly ImportRule[] | ((url: URL, specifier: string) => boolean);

/**
 * Builtins the default policy refuses, and why: each runs code given as data, starts programs,
 * or opens a way around the policy. They stay importable when a rule allows them explicitly.
 */
export const CODE_RUNNING_BUILTINS: ReadonlyMap<string, string> = new Map([
  ['child_process', 'runs other programs'],
  ['cluster', 'forks this program with other arguments'],
  ['inspector', 'evaluates code in this process'],
  ['module', 'loads modules past this policy and installs loader hooks'],
  ['process', 'starts programs through process.binding and loads native code through process.dlopen'],
  ['repl', 'evaluates code'],
  ['test', 'runs files in new processes'],
  ['v8', 'changes V8 flags and writes heap snapshots holding the process secrets'],
  ['vm', 'evaluates code'],
  ['wasi', 'runs WebAssembly programs'],
  ['worker_threads', 'evaluates code in new threads'],
]);

/** Schemes the default policy loads: files on this machine's disk and Node's builtins. */
const DEFAULT_SCHEMES = new Set(['file:', 'node:']);

const SCHEME_RULE = /^[a-z][a-z0-9+.-]*:$/i;

function isPathLike(s: string): boolean {
  return s.startsWith('./') || s.startsWith('../') || s === '.' || s === '..' || isAbsolute(s);
}

function refuseRules(caller: string, want: string, value: unknown): never {
  throw new InvalidArgumentError(`${caller}: option \`allowImport\` must be ${want}, got ${describeValue(value)}`);
}

/**
 * Checks an allow-list (`spawn()` takes lists only: a function cannot be sent to a child).
 * `caller` starts the message (`spawn`, `RPCServer.start`).
 */
export function checkImportRules(caller: string, value: unknown): ImportRule[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) refuseRules(caller, 'a list of strings and RegExps', value);
  value.forEach((rule: unknown, i) => {
    if (rule instanceof RegExp) return;
    if (typeof rule !== 'string' || rule === '' || rule.includes('\0')) refuseRules(`${caller}`, `a list of non-empty strings and RegExps (item ${i})`, rule);
    if (rule.endsWith('/') && !isPathLike(rule) && !rule.startsWith('file:')) {
      refuseRules(caller, `a list whose directories are paths or file: URLs (item ${i}; a package is named without a slash)`, rule);
    }
  });
  return [...(value as ImportRule[])];
}

/** Checks the `allowImport` option of a server: a list as for {@link checkImportRules}, or a predicate. */
export function checkImportPolicy(caller: string, value: unknown): ImportPolicy | undefined {
  if (typeof value === 'function') return value as ImportPolicy;
  if (value !== undefined && !Array.isArray(value)) refuseRules(caller, 'a list of strings and RegExps, or a function', value);
  return checkImportRules(caller, value);
}

/** A directory rule as a URL prefix, with symlinks resolved (the URLs it is compared to are). */
function directoryPrefix(rule: string): string {
  const path = rule.startsWith('file:') ? fileURLToPath(rule) : resolvePath(rule);
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // not there (yet): nothing under it resolves anywhere else
  }
  const href = pathToFileURL(real).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** The code-running builtin `url` is (`node:inspector/promises` is `inspector`), if it is one. */
function codeRunningBuiltin(url: URL): string | undefined {
  if (url.protocol !== 'node:') return undefined;
  const builtin = url.pathname.split('/')[0]!;
  return CODE_RUNNING_BUILTINS.has(builtin) ? builtin : undefined;
}

/** Why the default policy refuses `url`, or `undefined` when it allows it. */
function defaultRefusal(url: URL): string | undefined {
  if (!DEFAULT_SCHEMES.has(url.protocol)) {
    return `the default import policy loads only file: and node: URLs, not ${url.protocol} (code that is not on this machine's disk)`;
  }
  const builtin = codeRunningBuiltin(url);
  return builtin === undefined ? undefined : `the default import policy refuses node:${builtin}, which ${CODE_RUNNING_BUILTINS.get(builtin)!}`;
}

/** What the gate needs from its server. */
export interface ImportGateOptions {
  /** `undefined`: the default policy. */
  policy: ImportPolicy | undefined;
  /** The URL `import()` in the serving process loads for a specifier; throws as the import would. */
  resolve: (specifier: string) => string | Promise<string>;
  /** The server's name, for messages. */
  serverName: string;
}

/** Resolves each requested specifier and lets through only what the policy allows. */
export class ImportGate {
  private readonly options: ImportGateOptions;
  /** Specifier rules resolved once, the first time they resolve at all. */
  private readonly resolvedRules = new Map<string, string>();
  private readonly prefixes = new Map<string, string>();

  constructor(options: ImportGateOptions) {
    const { policy } = options;
    // a copy: the caller changing its array later must not change what this server allows
    this.options = { ...options, policy: Array.isArray(policy) ? [...policy] : policy };
    if (Array.isArray(policy)) {
      for (const rule of policy) {
        if (typeof rule === 'string' && rule.endsWith('/')) this.prefixes.set(rule, directoryPrefix(rule));
      }
    }
  }

  /**
   * The URL to import for `specifier`; throws {@link ImportDeniedError} when the policy refuses
   * it, and the resolution's own error (`ERR_MODULE_NOT_FOUND`...) when it does not resolve.
   */
  async admit(specifier: string): Promise<string> {
    const href = await this.options.resolve(specifier);
    const url = new URL(href);
    const refusal = await this.refusal(url, specifier);
    if (refusal !== undefined) {
      throw new ImportDeniedError(
        `import of ${JSON.stringify(specifier)} refused on ${this.options.serverName}: it resolves to ${href}, and ${refusal}`,
      );
    }
    return href;
  }

  private async refusal(url: URL, specifier: string): Promise<string | undefined> {
    const { policy } = this.options;
    if (policy === undefined) {
      const why = defaultRefusal(url);
      return why === undefined ? undefined : `${why}; allow it explicitly with allowImport`;
    }
    if (typeof policy === 'function') return policy(url, specifier) === true ? undefined : 'the allowImport function refused it';
    if (policy.length === 0) return 'this server accepts no imports (allowImport: [])';
    // a builtin that runs code is let in by a rule naming it, never by a pattern ('node:', /^node:/)
    const builtin = codeRunningBuiltin(url);
    for (const rule of policy) {
      const allows = builtin === undefined ? await this.matches(rule, url) : typeof rule === 'string' && (await this.resolveRule(rule)) === url.href;
      if (allows) return undefined;
    }
    const rules = policy.map((r) => (typeof r === 'string' ? JSON.stringify(r) : String(r))).join(', ');
    if (builtin === undefined) return `no allowImport rule matches it (${rules})`;
    return `no allowImport rule names it (${rules}): node:${builtin} ${CODE_RUNNING_BUILTINS.get(builtin)!}, so only a rule naming it lets it in`;
  }

  private async matches(rule: ImportRule, url: URL): Promise<boolean> {
    if (rule instanceof RegExp) {
      // a /g or /y RegExp remembers where it last matched: every check starts from the beginning
      rule.lastIndex = 0;
      return rule.test(url.href);
    }
    if (SCHEME_RULE.test(rule)) return url.protocol === rule.toLowerCase();
    const prefix = this.prefixes.get(rule);
    if (prefix !== undefined) return url.href.startsWith(prefix);
    return (await this.resolveRule(rule)) === url.href;
  }

  private async resolveRule(rule: string): Promise<string | undefined> {
    let href = this.resolvedRules.get(rule);
    if (href !== undefined) return href;
    try {
      href = await this.options.resolve(rule);
    } catch {
      // a package that is not installed allows nothing; it may be installed later
      return undefined;
    }
    this.resolvedRules.set(rule, href);
    return href;
  }
}
