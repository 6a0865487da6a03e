// `gantry history IMAGE`: one row per history entry, newest first.
import type { Command } from '../command.js';
import { formatContext, formatRows } from '../template.js';
import { humanSize, timeAgo } from '../units.js';

export const command: Command = {
  spec: {
    name: 'history',
    usage: '[OPTIONS] IMAGE',
    description: 'Show the history of an image',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'human', short: 'H', type: 'bool', default: true, description: 'Print sizes and dates in human readable format' },
      { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
    ],
  },
  async run(ctx, { flags, args }) {
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    const img = await svc.resolve(args[0]!);
    const history = img.config.history ?? [];
    const human = flags.human !== false;
    const noTrunc = Boolean(flags['no-trunc']);
    // Layer sizes come from the snapshots (unpacked bytes, as docker shows).
    const rows: { h: (typeof history)[number]; size: number }[] = [];
    let layer = 0;
    for (const h of history) {
      const chainId = h.empty_layer ? undefined : img.chainIds[layer++];
      rows.push({ h, size: chainId ? ((await svc.snapshots.stat(chainId))?.size ?? 0) : 0 });
    }
    const out = rows.reverse().map(({ h, size }, i) => {
      const createdBy = h.created_by ?? '';
      return formatContext('*image.historyContext', {
        ID: i === 0 ? (noTrunc ? img.id : img.id.slice(7, 19)) : '<missing>',
        CreatedSince: h.created ? (human ? timeAgo(h.created) : h.created) : 'N/A',
        CreatedAt: h.created ?? '',
        CreatedBy: noTrunc || createdBy.length <= 45 ? createdBy : createdBy.slice(0, 44) + '…',
        Size: human ? humanSize(size) : String(size),
        Comment: h.comment ?? '',
      });
    });
    if (flags.quiet) {
      ctx.stdout.write(out.map((r) => r.ID + '\n').join(''));
      return;
    }
    const headers = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', out, headers, 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}'));
  },
};
