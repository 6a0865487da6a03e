import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

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
    const engine = await openCliEngine(ctx);
    let vols = await engine.volumes.list();
    const used = new Set((await engine.store.list()).flatMap((r) => r.Mounts.map((m) => m.Name).filter(Boolean)));
    for (const f of (flags.filter as string[]) ?? []) {
      const [k, v = ''] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
      if (k === 'dangling') vols = vols.filter((x) => used.has(x.Name) !== (v === 'true' || v === '1'));
      else if (k === 'name') vols = vols.filter((x) => x.Name.includes(v));
      else if (k === 'label') vols = vols.filter((x) => (v.includes('=') ? x.Labels[v.split('=')[0]!] === v.split('=')[1] : v in x.Labels));
      else if (k === 'driver') vols = vols.filter((x) => x.Driver === v);
      else throw new Error(`invalid filter '${k}'`);
    }
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
