// `gantry images` / `gantry image ls`: docker's columns, filters and formats.
import { invalidArgument } from '../../errdefs/index.js';
import { parseReference } from '../../oci/reference.js';
import type { ImageRecord } from '../../images/service.js';
import type { Command } from '../command.js';
import { formatContext, formatRows } from '../template.js';
import { humanSize, timeAgo } from '../units.js';

const HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
};

/** Go's time.Time String(): "2024-01-02 15:04:05 +0000 UTC". */
const goTime = (iso: string | undefined) =>
  iso ? new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC') : '';

/** docker's filepath.Match-style glob (*, ?, [..]) for reference= filters. */
function globMatch(pattern: string, s: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(s);
}

interface Row {
  Repository: string;
  Tag: string;
  Digest: string;
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  Containers: string;
  SharedSize: string;
  UniqueSize: string;
  VirtualSize: string;
}

function rowsFor(r: ImageRecord, noTrunc: boolean): Row[] {
  const id = noTrunc ? r.id : r.id.slice(7, 19);
  const base = {
    ID: id,
    CreatedSince: r.created ? timeAgo(r.created) : 'N/A',
    CreatedAt: goTime(r.created),
    Size: humanSize(r.size),
    Containers: 'N/A',
    SharedSize: 'N/A',
    UniqueSize: 'N/A',
    VirtualSize: humanSize(r.size),
  };
  const digestOf = (repo: string) => r.repoDigests.find((d) => d.startsWith(repo + '@'))?.split('@')[1] ?? '<none>';
  if (r.repoTags.length === 0) {
    if (r.repoDigests.length === 0) return [{ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' }];
    return r.repoDigests.map((d) => ({ ...base, Repository: d.split('@')[0]!, Tag: '<none>', Digest: d.split('@')[1]! }));
  }
  return r.repoTags.map((t) => {
    const i = t.lastIndexOf(':');
    const repo = t.slice(0, i);
    return { ...base, Repository: repo, Tag: t.slice(i + 1), Digest: digestOf(repo) };
  });
}

async function applyFilters(images: ImageRecord[], filters: string[], resolve: (s: string) => Promise<ImageRecord>): Promise<ImageRecord[]> {
  let out = images;
  const refPatterns: string[] = [];
  for (const f of filters) {
    const i = f.indexOf('=');
    if (i < 0) throw invalidArgument(`bad format of filter (expected name=value)`);
    const key = f.slice(0, i).toLowerCase();
    const value = f.slice(i + 1);
    switch (key) {
      case 'dangling': {
        if (value !== 'true' && value !== 'false') throw invalidArgument(`Invalid filter 'dangling=${value}'`);
        out = out.filter((r) => (r.repoTags.length === 0) === (value === 'true'));
        break;
      }
      case 'reference':
        refPatterns.push(value);
        break;
      case 'label': {
        const [k, v] = value.split(/=(.*)/s);
        out = out.filter((r) => {
          const labels = r.config.config?.Labels ?? {};
          return k! in labels && (v === undefined || labels[k!] === v);
        });
        break;
      }
      case 'before':
      case 'since': {
        const ref = await resolve(value);
        const t = new Date(ref.created ?? 0).getTime();
        out = out.filter((r) => (key === 'before' ? new Date(r.created ?? 0).getTime() < t : new Date(r.created ?? 0).getTime() > t));
        break;
      }
      default:
        throw invalidArgument(`invalid filter '${key}'`);
    }
  }
  if (refPatterns.length > 0) {
    out = out
      .map((r) => ({
        ...r,
        repoTags: r.repoTags.filter((t) => refPatterns.some((p) => globMatch(p, t) || globMatch(p, t.slice(0, t.lastIndexOf(':'))))),
      }))
      .filter((r) => r.repoTags.length > 0);
  }
  return out;
}

export const command: Command = {
  spec: {
    name: 'images',
    usage: '[OPTIONS] [REPOSITORY[:TAG]]',
    description: 'List images',
    maxArgs: 1,
    flags: [
      { name: 'all', short: 'a', type: 'bool', description: 'Show all images (default hides intermediate images)' },
      { name: 'digests', type: 'bool', description: 'Show digests' },
      { name: 'filter', short: 'f', type: 'list', description: 'Filter output based on conditions provided' },
      { name: 'format', type: 'string', description: 'Format output using a custom template' },
      { name: 'no-trunc', type: 'bool', description: "Don't truncate output" },
      { name: 'quiet', short: 'q', type: 'bool', description: 'Only show image IDs' },
    ],
  },
  async run(ctx, { flags, args }) {
    const { openImageService } = await import('../../images/service.js');
    const svc = await openImageService({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    let images = await svc.list();
    const filters = [...((flags.filter as string[]) ?? [])];
    if (args[0] !== undefined) {
      const ref = parseReference(args[0], { defaultTag: false });
      const name = ref.toString().replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
      filters.push(`reference=${name}`);
    }
    images = await applyFilters(images, filters, (s) => svc.resolve(s));
    images.sort((a, b) => new Date(b.created ?? 0).getTime() - new Date(a.created ?? 0).getTime());
    const noTrunc = Boolean(flags['no-trunc']);
    if (flags.quiet) {
      const ids = [...new Set(images.map((r) => (noTrunc ? r.id : r.id.slice(7, 19))))];
      ctx.stdout.write(ids.map((i) => i + '\n').join(''));
      return;
    }
    const rows = images.flatMap((r) => rowsFor(r, noTrunc).map((row) => formatContext('*formatter.imageContext', { ...row })));
    const table = flags.digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    ctx.stdout.write(formatRows((flags.format as string | undefined) ?? '', rows, HEADERS, table));
  },
};
