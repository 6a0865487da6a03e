import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { conflict } from '../../errdefs/index.js';

export const command: Command = {
  spec: { name: 'top', usage: 'CONTAINER [ps OPTIONS]', description: 'Display the running processes of a container', minArgs: 1, stopAtFirstArg: true, flags: [] },
  async run(ctx, { args }) {
    const [ref, ...psArgs] = args;
    const engine = await openCliEngine(ctx);
    const rec = await engine.containers.get(ref!);
    if (!rec.State.Running) throw conflict(`container ${rec.Id} is not running`);
    const pids = new Set((await engine.runtime.pids(rec.Id)).map(String));
    // Like docker: run the host's ps and keep the rows whose PID is in the container.
    const { stdout } = await promisify(execFile)('ps', psArgs.length ? psArgs : ['-ef']);
    const [header = '', ...rows] = stdout.trimEnd().split('\n');
    const cols = header.trim().split(/\s+/);
    const pidCol = cols.indexOf('PID');
    if (pidCol < 0) throw new Error(`Couldn't find PID field in ps output`);
    const { tabulate } = await import('../tabwriter.js');
    const keep = rows.filter((r) => pids.has(r.trim().split(/\s+/)[pidCol] ?? ''));
    const split = (r: string) => {
      const f = r.trim().split(/\s+/);
      return [...f.slice(0, cols.length - 1), f.slice(cols.length - 1).join(' ')];
    };
    // docker top's tabwriter: minwidth 20, padding 3.
    ctx.stdout.write(tabulate([cols, ...keep.map(split)], { minwidth: 20, padding: 3 }));
  },
};
