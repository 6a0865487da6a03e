// Entry of bin/gantry after `npm run build`, which bundles the CLI into one
// CommonJS file (gantry.cjs beside this one) and stores V8's code cache of its top
// level (`launch.cjs --write-code-cache`). A command then neither resolves ~130 ES
// modules nor compiles 800 KB of source. The first call of each command also
// stores a cache holding the functions it compiled (as Node 22's module compile
// cache does), so later calls of that command skip compiling them too.
// Built by esbuild as launch.cjs (CommonJS: Node's ES module loader costs more).
import { readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const dir = dirname(process.argv[1]!);
const bundle = join(dir, 'gantry.cjs');
const cacheOf = (command?: string) => `${bundle}${command ? `.${command}` : ''}.v8cache`;

function compile(cachedData?: Buffer): Script {
  const source = readFileSync(bundle, 'utf8');
  return new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
}

function read(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** temp + rename: concurrent commands may read it meanwhile; a read-only install keeps what it has. */
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

if (process.argv[2] === '--write-code-cache') {
  for (const f of readdirSync(dir)) if (f.startsWith('gantry.cjs.') && f.endsWith('.v8cache')) unlinkSync(join(dir, f));
  store(cacheOf(), compile().createCachedData());
} else {
  // The first word that looks like a command; a wrong guess only picks a less useful cache.
  const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const key = command && /^[a-z][a-z-]{0,30}$/.test(command) ? command : undefined;
  const own = key ? read(cacheOf(key)) : undefined;
  const script = compile(own ?? read(cacheOf()));
  if (key && (!own || script.cachedDataRejected)) process.once('exit', () => store(cacheOf(key), script.createCachedData()));
  const mod = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(mod.exports, createRequire(bundle), mod, bundle, dir);
}
