// `gantry events`: the engine's event stream in docker's text, JSON or template form.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';
import { parseDuration } from './run.js';
import type { EngineEvent } from '../../engine/api.js';

/** docker's --since/--until: unix seconds, an RFC 3339 date, or a duration before now. */
function parseTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (!Number.isNaN(t)) return t / 1000;
  return Date.now() / 1000 - parseDuration('since', v) / 1e9;
}

function textLine(ev: EngineEvent): string {
  const attrs = Object.entries(ev.Actor.Attributes).sort().map(([k, v]) => `${k}=${v}`).join(', ');
  const nanos = String(Math.max(0, ev.timeNano - ev.time * 1e9)).padStart(9, '0').slice(0, 9);
  const stamp = `${new Date(ev.time * 1000).toISOString().slice(0, 19)}.${nanos}Z`;
  return `${stamp} ${ev.Type} ${ev.Action} ${ev.Actor.ID} (${attrs})`;
}

export const command: Command = {
  spec: {
    name: 'events',
    usage: '[OPTIONS]',
    description: 'Get real time events from the server',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', type: 'list', description: 'Filter output based on conditions provided' },
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'since', type: 'string', description: 'Show all events created since timestamp' },
      { name: 'until', type: 'string', description: 'Stream events until this timestamp' },
    ],
  },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags(flags.filter as string[]);
    const { parseTemplate } = await import('../template.js');
    // Parsed before following, so a bad template fails at once.
    const template = flags.format && flags.format !== 'json' ? parseTemplate(String(flags.format)) : undefined;
    const since = flags.since ? parseTime(String(flags.since)) : undefined;
    const until = flags.until ? parseTime(String(flags.until)) : undefined;
    const engine = await openEngine(ctx);
    try {
      for await (const ev of engine.system.events({ ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), filters })) {
        if (!flags.format) ctx.stdout.write(`${textLine(ev)}\n`);
        else ctx.stdout.write((template ? template.execute({ ...ev, ID: ev.Actor.ID, Status: ev.Action, From: ev.Actor.Attributes.image }) : JSON.stringify(ev)) + '\n');
      }
    } finally {
      await engine.close();
    }
    return 0;
  },
};
