// Runs the compiled tests with node's test runner: unit tests always,
// integration tests too unless "unit" is given. One process per file, two at a
// time (these machines have 2 cores; integration tests are mostly I/O-bound).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const only = process.argv[2];
const roots = only ? [`dist/test/${only}`] : ['dist/test/unit', 'dist/test/integration'];
const files = [];
const walk = (dir) => {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.test.js')) files.push(p);
  }
};
roots.forEach(walk);
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}

// Default bridges every test root shares by name (Gantry's, and podman's and
// buildah's): no single test may remove them while others run, so the run
// removes those it made, with Gantry's rules for its bridge, once all are done.
const SHARED_BRIDGES = ['gantry0', 'cni-podman0'];
const linkExists = (name) => spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
const madeByRun = SHARED_BRIDGES.filter((b) => !linkExists(b));

const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });

for (const bridge of madeByRun.filter(linkExists)) {
  spawnSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' });
  for (const table of ['filter', 'nat']) {
    const rules = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' }).stdout ?? '';
    for (const rule of rules.split('\n').filter((l) => l.startsWith('-A ') && l.includes(`"gantry ${bridge}"`))) {
      spawnSync('sh', ['-c', `iptables -t ${table} ${rule.replace(/^-A /, '-D ')}`], { stdio: 'ignore' });
    }
  }
}
process.exit(r.status ?? 1);
