import { open, stat } from 'node:fs/promises';
import type { Command } from '../command.js';
import { openCliEngine, parseDuration } from './run.js';
import type { EngineEvent } from '../../engine/events.js';

function parseTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (!Number.isNaN(t)) return t / 1000;
  return Date.now() / 1000 - parseDuration('since', v) / 1e9;
}

function matches(ev: EngineEvent, filters: string[]): boolean {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    by.set(f.slice(0, i), [...(by.get(f.slice(0, i)) ?? []), f.slice(i + 1)]);
  }
  for (const [k, vs] of by) {
    const ok = vs.some((v) => {
      switch (k) {
        case 'type':
          return ev.Type === v;
        case 'event':
          return ev.Action === v || ev.Action.startsWith(`${v}:`);
        case 'container':
          return ev.Type === 'container' && (ev.Actor.ID.startsWith(v) || ev.Actor.Attributes.name === v);
        case 'image':
          return ev.Actor.Attributes.image === v;
        case 'volume':
          return ev.Type === 'volume' && ev.Actor.ID === v;
        case 'label': {
          const j = v.indexOf('=');
          return j < 0 ? v in ev.Actor.Attributes : ev.Actor.Attributes[v.slice(0, j)] === v.slice(j + 1);
        }
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
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
    const engine = await openCliEngine(ctx);
    const { eventsPath } = await import('../../engine/events.js');
    const { parseTemplate } = await import('../template.js');
    // Parsed before following, so a bad template fails at once.
    const template = flags.format && flags.format !== 'json' ? parseTemplate(String(flags.format)) : undefined;
    const path = eventsPath(engine.root);
    const since = flags.since ? parseTime(String(flags.since)) : undefined;
    const until = flags.until ? parseTime(String(flags.until)) : undefined;
    const filters = (flags.filter as string[]) ?? [];
    const print = (ev: EngineEvent) => {
      const t = ev.timeNano / 1e9;
      if (since !== undefined && t < since) return;
      if (until !== undefined && t > until) return;
      if (!matches(ev, filters)) return;
      if (flags.format) {
        ctx.stdout.write((template ? template.execute({ ...ev, ID: ev.Actor.ID, Status: ev.Action, From: ev.Actor.Attributes.image }) : JSON.stringify(ev)) + '\n');
      } else {
        const attrs = Object.entries(ev.Actor.Attributes).sort().map(([k, v]) => `${k}=${v}`).join(', ');
        const nanos = String(Math.max(0, ev.timeNano - ev.time * 1e9)).padStart(9, '0').slice(0, 9);
        const stamp = `${new Date(ev.time * 1000).toISOString().slice(0, 19)}.${nanos}Z`;
        ctx.stdout.write(`${stamp} ${ev.Type} ${ev.Action} ${ev.Actor.ID} (${attrs})\n`);
      }
    };
    let offset = 0;
    const readNew = async () => {
      const st = await stat(path).catch(() => undefined);
      if (!st) return;
      if (st.size < offset) offset = 0;
      if (st.size === offset) return;
      const fh = await open(path, 'r');
      const buf = Buffer.alloc(st.size - offset);
      await fh.read(buf, 0, buf.length, offset);
      await fh.close();
      const complete = buf.subarray(0, buf.lastIndexOf(10) + 1);
      offset += complete.length;
      for (const line of complete.toString().split('\n')) if (line) print(JSON.parse(line) as EngineEvent);
    };
    // Past events only when --since is given, then follow until --until (docker's behaviour).
    if (since !== undefined) await readNew();
    else offset = (await stat(path).catch(() => ({ size: 0 }))).size;
    for (;;) {
      if (until !== undefined && Date.now() / 1000 > until) return 0;
      await new Promise((r) => setTimeout(r, 200));
      await readNew();
    }
  },
};
