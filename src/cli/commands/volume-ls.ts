// `gantry volume ls`: docker's DRIVER / VOLUME NAME table, -q, --filter, --format.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';

export const command: Command = {
  spec: {
    name: 'volume ls',
    usage: '[OPTIONS]',
    description: 'List volumes',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', type: 'list', description: "Provide filter values (e.g. 'dangling=true')" },
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Only display volume names' },
    ],
  },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags(flags.filter as string[]);
    const engine = await openEngine(ctx);
    const { Volumes: vols } = await engine.volumes.list(filters).finally(() => engine.close());
    if (flags.quiet) {
      for (const v of vols) ctx.stdout.write(`${v.Name}\n`);
      return;
    }
    const { formatContext, formatRows } = await import('../template.js');
    const rows = vols.map((v) => formatContext('*formatter.volumeContext', { ...v }, v.Labels ?? {}));
    const headers = { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS' };
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, headers, 'table {{.Driver}}\t{{.Name}}'));
  },
};
