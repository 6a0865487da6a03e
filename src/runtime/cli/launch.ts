// Entry of bin/gantry-runtime after `npm run build`, which bundles
// src/runtime/cli/ into one CommonJS file (esbuild: gantry-runtime.cjs here)
// and stores V8's code cache of its top level (`launch.cjs --write-code-cache`).
// A call then neither resolves ~70 ES modules nor compiles 200 KB of source,
// and loads no more of Node's own modules than its verb uses. The first call
// of each verb also stores a cache holding the functions it compiled (as
// Node 22's module compile cache does), so later calls of that verb skip
// compiling them too. Built by esbuild as launch.cjs (CommonJS: Node's ES
// module loader would cost more than it saves).
import { readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const VERBS = ['create', 'start', 'run', 'state', 'list', 'kill', 'delete', 'exec', 'pause', 'resume', 'ps', 'update', 'events', 'features', 'spec'];

const dir = dirname(process.argv[1]!);
const bundle = join(dir, 'gantry-runtime.cjs');
const cacheOf = (verb?: string) => `${bundle}${verb ? `.${verb}` : ''}.v8cache`;

/** The bundle as a CommonJS module function; V8 checks a cache against the source and its flags. */
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

/** temp + rename: concurrent calls may read it meanwhile; a read-only install just keeps what it has. */
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
  for (const f of readdirSync(dir)) if (f.startsWith('gantry-runtime.cjs.') && f.endsWith('.v8cache')) unlinkSync(join(dir, f));
  store(cacheOf(), compile().createCachedData());
} else {
  // a guess is enough: a wrong one only picks another verb's cache
  const verb = process.argv.slice(2).find((a) => VERBS.includes(a));
  const own = verb ? read(cacheOf(verb)) : undefined;
  const script = compile(own ?? read(cacheOf()));
  if (verb && (!own || script.cachedDataRejected)) process.once('exit', () => store(cacheOf(verb), script.createCachedData()));
  const mod = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(mod.exports, createRequire(bundle), mod, bundle, dir);
}
