// Starts a CommonJS bundle (the CLIs' esbuild output) through V8's code cache.
// `npm run build` stores the cache of the bundle's top level (--write-code-cache);
// the first call of each command also stores one holding the functions that
// command compiled (as Node 22's module compile cache does), so later calls skip
// compiling them too. A command then neither resolves ES modules nor compiles
// the bundle's source. Used from small launch entries built as CommonJS (Node's
// ES module loader would cost more than it saves).
import { readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

function read(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** temp + rename: concurrent calls may read it meanwhile; a read-only install keeps what it has. */
function store(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

const cacheOf = (bundle: string, key?: string) => `${bundle}${key ? `.${key}` : ''}.v8cache`;

function compile(bundle: string, cachedData?: Buffer): Script {
  return new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`, { filename: bundle, cachedData });
}

export interface LoadedBundle {
  exports: unknown;
  /** Writes the cache of what has been compiled so far under the key, when its own cache was missing or rejected (or always, with `force`). */
  storeCache(force?: boolean): void;
}

/** Evaluates `bundle` through the code cache stored under `key` (or the build's one) and returns its exports. */
export function loadBundle(bundle: string, key?: string): LoadedBundle {
  const own = key ? read(cacheOf(bundle, key)) : undefined;
  const script = compile(bundle, own ?? read(cacheOf(bundle)));
  const mod = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
  return {
    exports: mod.exports,
    storeCache: (force = false) => {
      if (key && (force || !own || script.cachedDataRejected)) store(cacheOf(bundle, key), script.createCachedData());
    },
  };
}

/**
 * Runs `bundle` with the arguments after argv[1]; `cacheKey` names the command
 * being run (a wrong guess only picks a less useful cache).
 */
export function launchBundle(bundle: string, cacheKey: (args: readonly string[]) => string | undefined): void {
  if (process.argv[2] === '--write-code-cache') {
    const dir = dirname(bundle);
    const prefix = `${basename(bundle)}.`;
    for (const f of readdirSync(dir)) if (f.startsWith(prefix) && f.includes('.v8cache')) unlinkSync(join(dir, f));
    store(cacheOf(bundle), compile(bundle).createCachedData());
    return;
  }
  const { storeCache } = loadBundle(bundle, cacheKey(process.argv.slice(2)));
  process.once('exit', () => storeCache());
}
