import { createInterface } from 'node:readline/promises';
import type { Command } from '../command.js';
import { humanSize } from '../units.js';
import { openCliEngine } from './run.js';
import { pruneContainers } from '../../engine/prune.js';

export const command: Command = {
  spec: {
    name: 'container prune',
    usage: '[OPTIONS]',
    description: 'Remove all stopped containers',
    maxArgs: 0,
    flags: [
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    if (!flags.force) {
      const rl = createInterface({ input: ctx.stdin, output: ctx.stdout });
      const answer = await rl.question('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) return;
    }
    const engine = await openCliEngine(ctx);
    const { removed, spaceReclaimed } = await pruneContainers(engine, (flags.filter as string[]) ?? []);
    if (removed.length) ctx.stdout.write(`Deleted Containers:\n${removed.map((n) => `${n}\n`).join('')}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(spaceReclaimed)}\n`);
  },
};
