// Shared helpers for runtime integration tests: a temp --root, bundles, output capture.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openRuntime } from '../../../src/runtime/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { makeBundle } from '../../fixtures/bundle.js';
import type { Bundle } from '../../fixtures/bundle.js';
import type { Spec } from '../../../src/oci/runtime-spec.js';

export const isRoot = process.getuid?.() === 0;
export const helperBuilt = existsSync(new URL('../../../../native/build/gantry-init', import.meta.url));
export const skip = !isRoot ? 'needs root' : !helperBuilt ? 'native/build/gantry-init not built (npm run build)' : false;

export interface Env {
  root: string;
  rt: Runtime;
  warnings: string[];
  bundles: Bundle[];
  ids: Set<string>;
  cleanup(): Promise<void>;
}

export function makeEnv(): Env {
  const root = mkdtempSync(join(tmpdir(), 'gantry-rt-'));
  const warnings: string[] = [];
  const rt = openRuntime({ root, log: (level, msg) => level === 'warning' && warnings.push(msg) });
  const env: Env = {
    root,
    rt,
    warnings,
    bundles: [],
    ids: new Set(),
    async cleanup() {
      for (const id of env.ids) await rt.delete(id, { force: true }).catch(() => undefined);
      for (const b of env.bundles) b.cleanup();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return env;
}

let counter = 0;
export function newId(env: Env, prefix = 't'): string {
  const id = `${prefix}-${process.pid}-${++counter}`;
  env.ids.add(id);
  return id;
}

export function bundle(env: Env, args: string[], tweak?: (s: Spec) => void): Bundle {
  const b = makeBundle({ args, spec: tweak });
  env.bundles.push(b);
  return b;
}

/** Runs a container to completion; stdout and stderr go to one file read afterwards. */
export async function runCapture(env: Env, args: string[], tweak?: (s: Spec) => void): Promise<{ code: number; out: string; id: string }> {
  const b = bundle(env, args, tweak);
  const id = newId(env);
  const outFile = join(b.dir, 'out');
  const fd = openSync(outFile, 'w');
  try {
    const code = await env.rt.run({ id, bundle: b.dir, stdio: [0, fd, fd] });
    return { code, out: readFileSync(outFile, 'utf8'), id };
  } finally {
    closeSync(fd);
  }
}

export async function waitFor(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await cond()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}
