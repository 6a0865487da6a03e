// Shared by the gantry-runtime CLI tests: runs the binary with a temp --root
// and captures its output through files (a created container inherits fds
// 0-2 and keeps them open, so pipes would never reach EOF), and makes busybox
// bundles from one cached rootfs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Spec } from '../../../src/oci/runtime-spec.js';

/** Repository root (dist/test/integration/runtime → four levels up). */
export const REPO = resolve(import.meta.dirname, '../../../..');
/** GANTRY_TEST_RUNTIME=/usr/sbin/runc runs the same tests against runc, to check the tests themselves. */
export const RUNTIME = process.env['GANTRY_TEST_RUNTIME'] ?? join(REPO, 'bin/gantry-runtime');

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

export function runtimeCli(root: string, args: readonly string[], opts: { input?: string; cwd?: string; global?: string[] } = {}): Result {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-cli-out-'));
  try {
    const out = openSync(join(dir, 'out'), 'w');
    const err = openSync(join(dir, 'err'), 'w');
    const r = spawnSync(RUNTIME, ['--root', root, ...(opts.global ?? []), ...args], {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err],
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      timeout: 60_000,
    });
    closeSync(out);
    closeSync(err);
    return { status: r.status ?? -1, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let cachedRootfs: string | undefined;

/** One busybox rootfs per test process, copied into each bundle. */
export function busyboxRootfs(): string {
  if (!cachedRootfs) {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-busybox-'));
    execFileSync(join(REPO, 'scripts/busybox-rootfs.sh'), [join(dir, 'rootfs')]);
    cachedRootfs = join(dir, 'rootfs');
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return cachedRootfs;
}

/** A bundle whose config.json is `gantry-runtime spec` output with the given process args (no terminal). */
export function makeCliBundle(args: string[], tweak?: (spec: Spec) => void): string {
  const bundle = mkdtempSync(join(tmpdir(), 'gantry-bundle-'));
  execFileSync('cp', ['-a', busyboxRootfs(), join(bundle, 'rootfs')]);
  const r = runtimeCli('/nonexistent', ['spec', '--bundle', bundle]);
  if (r.status !== 0) throw new Error(`spec failed: ${r.stderr}`);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
  spec.process!.terminal = false;
  spec.process!.args = args;
  // Tests share the host network: a new network namespace is enough isolation and costs nothing here.
  tweak?.(spec);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  return bundle;
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Best-effort cleanup of everything under a temp --root. */
export function cleanupRoot(root: string): void {
  const list = runtimeCli(root, ['list', '-q']);
  for (const id of list.stdout.split('\n').filter(Boolean)) runtimeCli(root, ['delete', '--force', id]);
  if (existsSync(root)) rmSync(root, { recursive: true, force: true });
}
