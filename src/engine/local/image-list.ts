// GET /images/json and POST /images/prune's filters over the image records, as
// dockerd applies them (daemon/images/images.go, image_prune.go): the keys each
// accepts with its error texts, reference= as distribution's FamiliarMatch.
import { invalidArgument } from '../../errdefs/index.js';
import type { ImageRecord } from '../../images/service.js';
import type { Filters, ImageSummary } from '../api-types.js';
import { keptByPruneFilters } from '../prune-filters.js';

const LIST_KEYS = new Set(['dangling', 'label', 'before', 'since', 'reference']);
const PRUNE_KEYS = new Set(['dangling', 'label', 'label!', 'until']);

function checkKeys(filters: Filters, accepted: Set<string>): void {
  for (const k of Object.keys(filters)) if (!accepted.has(k)) throw invalidArgument(`invalid filter '${k}'`);
}

/** dangling=true|false (one value); undefined when absent. */
function danglingFilter(filters: Filters): boolean | undefined {
  const values = filters.dangling ?? [];
  if (values.length === 0) return undefined;
  for (const v of values) if (!/^(true|false|1|0)$/i.test(v)) throw invalidArgument(`Invalid filter 'dangling=${v}'`);
  return values.some((v) => /^(true|1)$/i.test(v));
}

const labelsOf = (r: ImageRecord) => r.config.config?.Labels ?? {};

/** label=k or label=k=v: every one must match, as dockerd's MatchKVList. */
function hasLabels(r: ImageRecord, specs: string[]): boolean {
  const labels = labelsOf(r);
  return specs.every((spec) => {
    const [k, v] = spec.split(/=(.*)/s);
    return k! in labels && (v === undefined || labels[k!] === v);
  });
}

/** Go's path.Match (*, ?, [...]) for reference= patterns. */
function pathMatch(pattern: string, s: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(s);
}

/** distribution's FamiliarMatch: the familiar string "busybox:latest", else the familiar name "busybox". */
function familiarMatch(patterns: string[], name: string): boolean {
  const bare = name.replace(/[:@][^/]*$/, '');
  return patterns.some((p) => pathMatch(p, name) || pathMatch(p, bare));
}

const createdMs = (r: ImageRecord) => (r.created ? Date.parse(r.created) : 0);

export function imageSummary(r: ImageRecord, repoTags = r.repoTags, repoDigests = r.repoDigests): ImageSummary {
  return {
    Id: r.id,
    ParentId: '',
    RepoTags: repoTags,
    RepoDigests: repoDigests,
    Created: Math.floor(createdMs(r) / 1000),
    Size: r.size,
    SharedSize: -1,
    Labels: r.config.config?.Labels ?? null,
    Containers: -1,
  };
}

/** The list's summaries, newest first; `resolve` finds before=/since= images. */
export async function listImages(records: ImageRecord[], filters: Filters, resolve: (ref: string) => Promise<ImageRecord>): Promise<ImageSummary[]> {
  checkKeys(filters, LIST_KEYS);
  const dangling = danglingFilter(filters);
  const labels = filters.label ?? [];
  const refs = filters.reference ?? [];
  let before = Infinity;
  let since = -Infinity;
  for (const b of filters.before ?? []) before = Math.min(before, createdMs(await resolve(b)));
  for (const s of filters.since ?? []) since = Math.max(since, createdMs(await resolve(s)));
  const out: ImageSummary[] = [];
  // sorted on the exact creation time: the summaries' seconds often tie
  for (const r of [...records].sort((a, b) => createdMs(b) - createdMs(a))) {
    const t = createdMs(r);
    if (t >= before || t <= since) continue;
    if (labels.length > 0 && !hasLabels(r, labels)) continue;
    const isDangling = r.repoTags.length === 0;
    if (dangling !== undefined && dangling !== isDangling) continue;
    if (refs.length === 0) {
      out.push(imageSummary(r));
      continue;
    }
    // reference= keeps only the matching names; an image with none left is not listed.
    const tags = r.repoTags.filter((n) => familiarMatch(refs, n));
    const digests = r.repoDigests.filter((n) => familiarMatch(refs, n));
    if (tags.length > 0 || digests.length > 0) out.push(imageSummary(r, tags, digests));
  }
  return out;
}

/** Prune's selection: `all` (dangling=false) and a predicate for the images the filters keep. */
export function pruneSelection(filters: Filters, now = Date.now()): { all: boolean; keep: (r: ImageRecord) => boolean } {
  checkKeys(filters, PRUNE_KEYS);
  const all = danglingFilter(filters) === false;
  const keep = (r: ImageRecord) => keptByPruneFilters(createdMs(r), labelsOf(r), filters, now);
  return { all, keep };
}
