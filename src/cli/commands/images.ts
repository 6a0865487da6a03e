// `gantry images` / `gantry image ls`: docker's columns, filters and formats.
import type { ImageSummary } from '../../engine/api.js';
import { familiarString, parseReference } from '../../oci/reference.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { parseFilterFlags } from '../filters.js';
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

/** Go's time.Time String() of unix seconds: "2024-01-02 15:04:05 +0000 UTC". */
const goTime = (unix: number) => new Date(unix * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000 UTC');

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

/** One row per tag (or per digest of an untagged image), as the docker CLI expands a summary. */
function rowsFor(r: ImageSummary, noTrunc: boolean): Row[] {
  const id = noTrunc ? r.Id : r.Id.slice(7, 19);
  const base = {
    ID: id,
    CreatedSince: r.Created > 0 ? timeAgo(r.Created * 1000) : 'N/A',
    CreatedAt: r.Created > 0 ? goTime(r.Created) : '',
    Size: humanSize(r.Size),
    Containers: r.Containers >= 0 ? String(r.Containers) : 'N/A',
    SharedSize: r.SharedSize >= 0 ? humanSize(r.SharedSize) : 'N/A',
    UniqueSize: r.SharedSize >= 0 ? humanSize(r.Size - r.SharedSize) : 'N/A',
    VirtualSize: humanSize(r.Size),
  };
  const digestOf = (repo: string) => r.RepoDigests.find((d) => d.startsWith(repo + '@'))?.split('@')[1] ?? '<none>';
  if (r.RepoTags.length === 0) {
    if (r.RepoDigests.length === 0) return [{ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' }];
    return r.RepoDigests.map((d) => ({ ...base, Repository: d.split('@')[0]!, Tag: '<none>', Digest: d.split('@')[1]! }));
  }
  return r.RepoTags.map((t) => {
    const i = t.lastIndexOf(':');
    const repo = t.slice(0, i);
    return { ...base, Repository: repo, Tag: t.slice(i + 1), Digest: digestOf(repo) };
  });
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
    const filters = parseFilterFlags(flags.filter as string[] | undefined);
    if (args[0] !== undefined) {
      // the docker CLI sends the argument as a reference filter, in its familiar form
      const name = familiarString(parseReference(args[0], { defaultTag: false }));
      (filters.reference ??= []).push(name);
    }
    const engine = await openEngine(ctx);
    let images: ImageSummary[];
    try {
      images = await engine.images.list({ all: Boolean(flags.all), filters, digests: Boolean(flags.digests) });
    } finally {
      await engine.close();
    }
    const noTrunc = Boolean(flags['no-trunc']);
    if (flags.quiet) {
      const ids = [...new Set(images.map((r) => (noTrunc ? r.Id : r.Id.slice(7, 19))))];
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
