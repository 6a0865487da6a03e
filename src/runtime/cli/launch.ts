// Entry of bin/gantry-runtime after `npm run build`, which bundles
// src/runtime/cli/ into one CommonJS file (esbuild: gantry-runtime.cjs here)
// and stores V8's code cache for it (`launch.cjs --write-code-cache`). A call
// then neither resolves ~70 ES modules nor compiles 200 KB of source, and
// loads no more of Node's own modules than its verb uses: state, start, kill
// and delete cost little more than Node's start-up. Built by esbuild as
// launch.cjs (CommonJS: Node's ES module loader would cost more than it saves).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const dir = dirname(process.argv[1]!);
const bundle = join(dir, 'gantry-runtime.cjs');
const cacheFile = `${bundle}.v8cache`;

/** The bundle as a CommonJS module function; V8 checks the cache against the source and flags. */
function compile(cachedData?: Buffer): Script {
  const source = readFileSync(bundle, 'utf8');
  return new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
}

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

if (process.argv[2] === '--write-code-cache') {
  // temp + rename: CLI calls may read it meanwhile
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(tmp, compile().createCachedData());
  renameSync(tmp, cacheFile);
} else {
  const module = { exports: {} };
  const run = compile(readCache()).runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(bundle), module, bundle, dir);
}
