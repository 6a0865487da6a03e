// bench/pull: pull + unpack of a ~200 MB, several-thousand-file, multi-layer image
// from a local registry, with a fresh store per run, side by side with containerd
// (`ctr images pull --plain-http`) and `podman pull`. Prints medians and ratios.
//   npm run build && node dist/bench/pull/run.js [--runs N] [--mb SIZE]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { skopeoCopy, startRegistry } from '../../test/fixtures/registry.js';
import { buildLayout } from '../../test/integration/images/registry-images.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 5);
const TOTAL_MB = opt('mb', 200);
const LAYERS = 4;
const FILES_PER_LAYER = 1000;

// Everything (image, registry, all three stores) under one directory: one filesystem.
const BASE = process.env.BENCH_DIR ?? '/var/tmp';

async function makeTree(dir: string, files: number, bytesEach: number): Promise<void> {
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${i % 50}`);
    if (i < 50) await mkdir(sub, { recursive: true });
    // Half random, half repeated: compressible like real layers, but not to nothing.
    const half = Math.floor(bytesEach / 2);
    await writeFile(join(sub, `f${i}`), Buffer.concat([randomBytes(half), Buffer.alloc(bytesEach - half, i % 251)]));
  }
}

function run(cmd: string, argv: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr}`);
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startContainerd(dir: string): Promise<{ address: string; stop: () => Promise<void> }> {
  const address = join(dir, 'containerd.sock');
  await writeFile(
    join(dir, 'config.toml'),
    ['version = 2', `root = "${join(dir, 'root')}"`, `state = "${join(dir, 'state')}"`, 'disabled_plugins = ["io.containerd.grpc.v1.cri"]', '[grpc]', `  address = "${address}"`].join('\n') + '\n',
  );
  const child = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    if (spawnSync('ctr', ['--address', address, 'version'], { stdio: 'ignore' }).status === 0) break;
    await sleep(50);
  }
  return {
    address,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function cleanDir(dir: string): Promise<void> {
  spawnSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`], { stdio: 'ignore' });
  await rm(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(BASE, 'gantry-bench-pull-'));
  const reg = await startRegistry({ storageDir: join(work, 'registry') });
  try {
    console.log(`building a ${TOTAL_MB} MB image: ${LAYERS} layers x ${FILES_PER_LAYER} files`);
    const bytesEach = Math.floor((TOTAL_MB << 20) / (LAYERS * FILES_PER_LAYER));
    const layers = [];
    for (let l = 0; l < LAYERS; l++) {
      const dir = join(work, 'tree', `layer${l}`);
      await makeTree(dir, FILES_PER_LAYER, bytesEach);
      layers.push({ dir, compression: 'gzip' as const });
    }
    const layout = await buildLayout(join(work, 'layout'), [{ layers }]);
    const image = `${reg.host}/bench/app:latest`;
    await skopeoCopy(`oci:${layout.dir}:latest`, `docker://${image}`);
    // The installed launcher (the bundled CLI with its code cache), as users run it.
    const gantry = join(process.cwd(), 'bin/gantry');

    const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
    const loadBefore = load();
    const times: Record<string, number[]> = { gantry: [], containerd: [], podman: [] };
    for (let i = 0; i < RUNS; i++) {
      const g = join(work, `gantry-${i}`);
      times.gantry!.push(timed(() => run(gantry, ['--root', join(g, 'root'), '--runroot', join(g, 'run'), 'pull', '-q', image])));
      await cleanDir(g);

      const c = join(work, `containerd-${i}`);
      await mkdir(c, { recursive: true });
      const ctrd = await startContainerd(c);
      times.containerd!.push(timed(() => run('ctr', ['--address', ctrd.address, '-n', 'bench', 'images', 'pull', '--plain-http', image])));
      await ctrd.stop();
      await cleanDir(c);

      const p = join(work, `podman-${i}`);
      times.podman!.push(timed(() => run('podman', ['--root', join(p, 'root'), '--runroot', join(p, 'run'), '--events-backend', 'none', 'pull', '-q', '--tls-verify=false', image])));
      await cleanDir(p);
      console.log(`run ${i + 1}/${RUNS}: gantry ${times.gantry!.at(-1)!.toFixed(0)} ms, containerd ${times.containerd!.at(-1)!.toFixed(0)} ms, podman ${times.podman!.at(-1)!.toFixed(0)} ms`);
    }
    const g = median(times.gantry!);
    const c = median(times.containerd!);
    const p = median(times.podman!);
    console.log(`\nmedian pull+unpack (${RUNS} runs, fresh store each; load average ${loadBefore} before, ${load()} after):`);
    console.log(`  gantry      ${g.toFixed(0)} ms`);
    console.log(`  containerd  ${c.toFixed(0)} ms   gantry/containerd = ${(g / c).toFixed(2)}x (target <= 0.75x)`);
    console.log(`  podman      ${p.toFixed(0)} ms   gantry/podman     = ${(g / p).toFixed(2)}x`);
  } finally {
    await reg.stop();
    await cleanDir(work);
  }
}

await main();
