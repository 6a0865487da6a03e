// `gantry stats`: a live table of containers' resource usage (docker's columns).
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { formatContext, formatRows } from '../template.js';
import { binarySize, humanSize } from '../units.js';
import { openCliEngine } from './run.js';
import { sampleStats, statsRow, type StatsSample } from '../../engine/stats.js';
import type { EngineCore } from '../../engine/index.js';
import type { ContainerRecord } from '../../engine/store.js';

const TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const HEADERS = { ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' };
const INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const command: Command = {
  spec: {
    name: 'stats',
    usage: '[OPTIONS] [CONTAINER...]',
    description: 'Display a live stream of container(s) resource usage statistics',
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Show all containers (default shows just running)' },
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'no-stream', type: 'bool', description: 'Disable streaming stats and only pull the first result' },
      { name: 'no-trunc', type: 'bool', description: 'Do not truncate output' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openCliEngine(ctx);
    const format = (flags.format as string | undefined) ?? '';
    const noTrunc = Boolean(flags['no-trunc']);
    const targets = async (): Promise<{ rec: ContainerRecord; given: string }[]> => {
      if (args.length) return Promise.all(args.map(async (a) => ({ rec: await engine.containers.get(a), given: a })));
      const all = await Promise.all((await engine.store.list()).map((r) => engine.containers.view(r)));
      return all
        .filter((r) => r.Gantry.creator === undefined && (flags.all || r.State.Running))
        .sort((a, b) => a.Created.localeCompare(b.Created))
        .map((rec) => ({ rec, given: noTrunc ? rec.Id : rec.Id.slice(0, 12) }));
    };
    const prev = new Map<string, StatsSample | undefined>();
    const sampleAll = (list: { rec: ContainerRecord }[]) => Promise.all(list.map(({ rec }) => sampleStats(engine.runtime, rec)));
    // The first figures need a previous sample for CPU %, as docker's first frame does.
    let list = await targets();
    (await sampleAll(list)).forEach((s, i) => prev.set(list[i]!.rec.Id, s));
    await sleep(INTERVAL_MS);
    for (;;) {
      const samples = await sampleAll(list);
      const rows = list.map(({ rec, given }, i) => formatContext('*container.statsContext', { ...statsRow(rec, given, prev.get(rec.Id), samples[i], { human: humanSize, binary: binarySize }, noTrunc) }));
      samples.forEach((s, i) => prev.set(list[i]!.rec.Id, s));
      render(ctx, formatRows(format, rows, HEADERS, TABLE), !flags['no-stream']);
      if (flags['no-stream']) return;
      await sleep(INTERVAL_MS);
      list = await refresh(engine, list, args.length > 0, targets);
    }
  },
};

/** Named containers stay listed (zeros once stopped); the default list follows ps. */
async function refresh(engine: EngineCore, list: { rec: ContainerRecord; given: string }[], named: boolean, targets: () => Promise<{ rec: ContainerRecord; given: string }[]>) {
  if (!named) return targets();
  return Promise.all(list.map(async (t) => ({ rec: await engine.containers.get(t.rec.Id).catch(() => t.rec), given: t.given })));
}

function render(ctx: CliContext, text: string, streaming: boolean) {
  // On a terminal docker redraws in place; elsewhere each frame is appended.
  if (streaming && ctx.stdout.isTTY) ctx.stdout.write('\x1b[2J\x1b[H');
  ctx.stdout.write(text);
}
