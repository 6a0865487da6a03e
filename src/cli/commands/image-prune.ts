// `gantry image prune [-a] [-f] [--filter]`.
import { invalidArgument } from '../../errdefs/index.js';
import type { Command } from '../command.js';
import { confirmPrune } from '../confirm.js';
import { humanSize } from '../units.js';

export const command: Command = {
  spec: {
    name: 'image prune',
    usage: '[OPTIONS]',
    description: 'Remove unused images',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Remove all unused images, not just dangling ones' },
      { name: 'filter', type: 'list', description: 'Provide filter values (e.g. "until=<timestamp>")' },
      { name: 'force', short: 'f', type: 'bool', description: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, { flags }) {
    if (!flags.force) {
      const warning = flags.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!(await confirmPrune(ctx, warning))) return;
    }
    const keep = filterPredicate(flags.filter as string[]);
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    const { deleted, spaceReclaimed } = await svc.prune({ all: Boolean(flags.all), keep });
    if (deleted.length > 0) {
      ctx.stdout.write('Deleted Images:\n');
      for (const r of deleted) ctx.stdout.write('Untagged' in r ? `untagged: ${r.Untagged}\n` : `deleted: ${r.Deleted}\n`);
      ctx.stdout.write('\n');
    }
    ctx.stdout.write(`Total reclaimed space: ${humanSize(spaceReclaimed)}\n`);
  },
};

/** until=<time|duration>, label=k[=v], label!=k[=v]: returns "keep this image". */
function filterPredicate(filters: string[]) {
  const tests: ((r: { created?: string; config: { config?: { Labels?: Record<string, string> } } }) => boolean)[] = [];
  for (const f of filters) {
    const m = /^(until|label!?)=(.*)$/.exec(f);
    if (!m) throw invalidArgument(`invalid filter '${f.split('=')[0]}'`);
    const value = m[2]!;
    if (m[1] === 'until') {
      const d = /^(\d+)(s|m|h)$/.exec(value);
      const limit = d ? Date.now() - Number(d[1]) * { s: 1e3, m: 6e4, h: 36e5 }[d[2] as 's'] : new Date(/^\d+$/.test(value) ? Number(value) * 1000 : value).getTime();
      tests.push((r) => new Date(r.created ?? 0).getTime() >= limit);
    } else {
      const [k, v] = value.split(/=(.*)/s);
      const has = (r: Parameters<(typeof tests)[number]>[0]) => {
        const labels = r.config.config?.Labels ?? {};
        return k! in labels && (v === undefined || labels[k!] === v);
      };
      tests.push(m[1] === 'label' ? (r) => !has(r) : has);
    }
  }
  return (r: Parameters<(typeof tests)[number]>[0]) => tests.some((t) => t(r));
}
