// Container lifecycle cost: N sequential create → start → wait → delete cycles
// of /bin/true through the runtime library (openRuntime), through
// bin/gantry-runtime, and through runc and crun, on the same bundle, taking turns cycle by cycle. Prints
// each median, the ratios library/crun and cli/runc, and the resident memory
// of the process that waits in a created container (the native helper for
// Gantry) before start.
// Usage: npm run build && node dist/bench/runtime/run.js [cycles=50] [only=library,cli,runc,crun]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRuntime } from '../../src/runtime/index.js';
import { defaultSpec } from '../../src/runtime/default-spec.js';

const CYCLES = Number(process.argv[2] ?? 50);
const ONLY = process.argv[3]?.split(',');
const wanted = (name: string) => !ONLY || ONLY.includes(name);
const REPO = resolve(import.meta.dirname, '../../..');
const GANTRY_RUNTIME = join(REPO, 'bin/gantry-runtime');

/**
 * Runs a runtime CLI with its output in a file: a created container inherits
 * the caller's fds 0-2, so with pipes the call would wait for the container.
 */
async function cli(binary: string, args: string[], errFile: string): Promise<void> {
  const err = openSync(errFile, 'w');
  try {
    const child = spawn(binary, args, { stdio: ['ignore', err, err] });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`${binary} ${args.join(' ')}: exit ${code}: ${readFileSync(errFile, 'utf8').trim()}`);
  } finally {
    closeSync(err);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The init was reparented away from us: poll until it is gone or a zombie. */
async function waitExit(pid: number): Promise<void> {
  for (;;) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

const vmRssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

interface Result {
  name: string;
  medianMs: number;
  rssKb: number;
}

/** One way to run a cycle; runners take turns cycle by cycle, so a change in the machine's load hits all alike. */
interface Runner {
  name: string;
  /** One create → (RSS on the first) → start → wait → delete; its duration in ms. */
  cycle(i: number): Promise<number>;
  cleanup(): Promise<void>;
  times: number[];
  rssKb: number;
}

/** A runc-style CLI: create → (RSS) → start → wait → delete. */
function cliRunner(name: string, binary: string, bundle: string): Runner {
  const root = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const errFile = join(root, 'stderr');
  const r: Runner = {
    name,
    times: [],
    rssKb: NaN,
    async cycle(i) {
      const id = `${name}-${process.pid}-${i}`;
      const pidFile = join(root, `${id}.pid`);
      const t0 = process.hrtime.bigint();
      await cli(binary, ['--root', root, 'create', '--bundle', bundle, '--pid-file', pidFile, id], errFile);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (i === 0) r.rssKb = vmRssKb(pid);
      await cli(binary, ['--root', root, 'start', id], errFile);
      await waitExit(pid);
      await cli(binary, ['--root', root, 'delete', id], errFile);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
    async cleanup() {
      spawnSync(binary, ['--root', root, 'list', '-q'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .stdout?.split('\n')
        .filter(Boolean)
        .forEach((id) => spawnSync(binary, ['--root', root, 'delete', '--force', id], { stdio: 'ignore' }));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return r;
}

function libraryRunner(bundle: string): Runner {
  const root = mkdtempSync(join(tmpdir(), 'bench-library-'));
  const rt = openRuntime({ root });
  const devNull = openSync('/dev/null', 'r+');
  const r: Runner = {
    name: 'gantry library',
    times: [],
    rssKb: NaN,
    async cycle(i) {
      const id = `library-${process.pid}-${i}`;
      const t0 = process.hrtime.bigint();
      const { pid } = await rt.create({ id, bundle, stdio: [devNull, devNull, devNull] });
      if (i === 0) r.rssKb = vmRssKb(pid);
      await rt.start(id);
      await waitExit(pid);
      await rt.delete(id);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    },
    async cleanup() {
      for (const s of await rt.list().catch(() => [])) await rt.delete(s.id, { force: true }).catch(() => undefined);
      closeSync(devNull);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return r;
}

/**
 * crun on this cgroup v1 host wants the hugetlb hierarchy on v1 and no
 * controller on the (otherwise empty) cgroup2 mount; v1 cannot take hugetlb
 * while v2's root enables it for its children, so release it there first.
 */
function prepareCrun(): void {
  if (existsSync('/sys/fs/cgroup/hugetlb/cgroup.procs')) return;
  const subtree = '/sys/fs/cgroup/unified/cgroup.subtree_control';
  if (existsSync(subtree) && readFileSync(subtree, 'utf8').split(/\s+/).includes('hugetlb')) {
    spawnSync('sh', ['-c', `echo -hugetlb > ${subtree}`]);
  }
  mkdirSync('/sys/fs/cgroup/hugetlb', { recursive: true });
  spawnSync('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', '/sys/fs/cgroup/hugetlb']);
}

function makeBundle(): string {
  const bundle = mkdtempSync(join(tmpdir(), 'bench-bundle-'));
  execFileSync(join(REPO, 'scripts/busybox-rootfs.sh'), [join(bundle, 'rootfs')]);
  const spec = defaultSpec();
  spec.process!.terminal = false;
  spec.process!.args = ['/bin/true'];
  // Debian's crun 1.8 rejects newer ociVersion values; every runtime here reads 1.0.2 configs.
  spec.ociVersion = '1.0.2';
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  return bundle;
}

const have = (bin: string) => spawnSync('which', [bin]).status === 0;

async function main(): Promise<void> {
  const bundle = makeBundle();
  const runners: Runner[] = [];
  if (wanted('library')) runners.push(libraryRunner(bundle));
  if (wanted('cli')) runners.push(cliRunner('gantry-runtime', GANTRY_RUNTIME, bundle));
  if (wanted('runc') && have('runc')) runners.push(cliRunner('runc', 'runc', bundle));
  if (wanted('crun') && have('crun')) {
    prepareCrun();
    runners.push(cliRunner('crun', 'crun', bundle));
  }
  const failed = new Map<string, string>();
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  try {
    console.log(`${CYCLES} sequential create/start/wait/delete cycles of /bin/true, runners interleaved (load average ${load()})`);
    for (let i = 0; i < CYCLES; i++) {
      for (const r of runners) {
        if (failed.has(r.name)) continue;
        try {
          r.times.push(await r.cycle(i));
        } catch (err) {
          failed.set(r.name, (err as Error).message.trim().split('\n').at(-1) ?? '');
        }
      }
    }
  } finally {
    for (const r of runners) await r.cleanup();
    rmSync(bundle, { recursive: true, force: true });
  }
  const results: Result[] = runners.filter((r) => !failed.has(r.name)).map((r) => ({ name: r.name, medianMs: median(r.times), rssKb: r.rssKb }));
  for (const r of runners) {
    const res = results.find((x) => x.name === r.name);
    if (res) console.log(`${r.name.padEnd(16)} median ${res.medianMs.toFixed(1).padStart(7)} ms/cycle   created-state RSS ${res.rssKb} kB`);
    else console.log(`${r.name.padEnd(16)} failed: ${failed.get(r.name)}`);
  }
  if (wanted('cli')) {
    // bin/gantry-runtime falls back to the modules when a later tsc made them newer than the bundle
    const mtime = (f: string) => statSync(join(REPO, 'dist/src/runtime/cli', f), { throwIfNoEntry: false })?.mtimeMs ?? -1;
    if (mtime('gantry-runtime.cjs') < mtime('main.js')) console.log('  (gantry-runtime ran the modules, not the bundle: `npm run build` first)');
  }
  const by = (n: string) => results.find((r) => r.name === n)?.medianMs;
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
  console.log(`library/crun ${ratio(by('gantry library'), by('crun'))}   cli/runc ${ratio(by('gantry-runtime'), by('runc'))}   (load average ${load()})`);
}

await main();
