// `gantry history IMAGE`: one row per history entry, newest first.
import type { HistoryItem } from '../../engine/api.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
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
    const engine = await openEngine(ctx);
    let history: HistoryItem[];
    try {
      history = await engine.images.history(args[0]!);
    } finally {
      await engine.close();
    }
    const human = flags.human !== false;
    const noTrunc = Boolean(flags['no-trunc']);
    const out = history.map((h) => {
      const created = new Date(h.Created * 1000);
      // RFC 3339, as docker's CLI (which prints the local zone; UTC here)
      const createdAt = h.Created > 0 ? created.toISOString().replace(/\.\d+Z$/, 'Z') : '';
      return formatContext('*image.historyContext', {
        ID: h.Id === '<missing>' || noTrunc ? h.Id : h.Id.slice(7, 19),
        CreatedSince: h.Created > 0 ? (human ? timeAgo(created) : createdAt) : 'N/A',
        CreatedAt: createdAt,
        CreatedBy: noTrunc || h.CreatedBy.length <= 45 ? h.CreatedBy : h.CreatedBy.slice(0, 44) + '…',
        Size: human ? humanSize(h.Size) : String(h.Size),
        Comment: h.Comment,
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
