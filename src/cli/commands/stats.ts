// `gantry stats`: a live table of containers' resource usage (docker's columns),
// from each container's stats stream, figures computed as docker's CLI does.
import type { Command } from '../command.js';
import type { CliContext } from '../context.js';
import { openEngine } from '../engine-client.js';
import { statsRow } from '../stats-figures.js';
import { formatContext, formatRows } from '../template.js';
import { binarySize, humanSize } from '../units.js';
import type { ContainerStatsJSON, Engine } from '../../engine/api.js';

const TABLE = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const HEADERS = { ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' };
const INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One container's stream: the latest frame, and the first one's arrival (or failure). */
interface Watched {
  given: string;
  latest?: ContainerStatsJSON;
  first: Promise<void>;
  stop: AbortController;
}

function watch(engine: Engine, ref: string, given: string, stream: boolean): Watched {
  const stop = new AbortController();
  const w: Watched = { given, stop, first: Promise.resolve() };
  w.first = (async () => {
    const frames = engine.containers.stats(ref, { stream, signal: stop.signal })[Symbol.asyncIterator]();
    const head = await frames.next();
    if (!head.done) w.latest = head.value;
    void (async () => {
      for (let f = await frames.next(); !f.done; f = await frames.next()) w.latest = f.value;
    })().catch(() => undefined); // a container removed meanwhile keeps its last figures
  })();
  return w;
}

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
    const engine = await openEngine(ctx);
    const format = (flags.format as string | undefined) ?? '';
    const noTrunc = Boolean(flags['no-trunc']);
    const stream = !flags['no-stream'];
    const watched = new Map<string, Watched>();
    // Named containers stay listed (zeros once stopped); the default list follows ps.
    const refresh = async () => {
      if (args.length) {
        for (const a of args) if (!watched.has(a)) watched.set(a, watch(engine, a, a, stream));
        return;
      }
      const list = (await engine.containers.list({ all: Boolean(flags.all) })).sort((a, b) => a.Created - b.Created);
      const ids = new Set(list.map((c) => c.Id));
      for (const [id, w] of watched) {
        if (ids.has(id)) continue;
        w.stop.abort();
        watched.delete(id);
      }
      for (const c of list) if (!watched.has(c.Id)) watched.set(c.Id, watch(engine, c.Id, noTrunc ? c.Id : c.Id.slice(0, 12), stream));
    };
    try {
      await refresh();
      // the first frame of each carries a CPU % over its first second, as docker's first does
      await Promise.all([...watched.values()].map((w) => w.first));
      for (;;) {
        const rows = [...watched.values()]
          .filter((w) => w.latest)
          .map((w) => formatContext('*container.statsContext', { ...statsRow(w.latest!, w.given, { human: humanSize, binary: binarySize }, noTrunc) }));
        render(ctx, formatRows(format, rows, HEADERS, TABLE), stream);
        if (!stream) return;
        await sleep(INTERVAL_MS);
        await refresh();
      }
    } finally {
      for (const w of watched.values()) w.stop.abort();
      await engine.close();
    }
  },
};

function render(ctx: CliContext, text: string, streaming: boolean) {
  // On a terminal docker redraws in place; elsewhere each frame is appended.
  if (streaming && ctx.stdout.isTTY) ctx.stdout.write('\x1b[2J\x1b[H');
  ctx.stdout.write(text);
}
