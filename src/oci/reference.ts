// Image references ("busybox", "host:5000/team/app:1.2@sha256:...") parsed and
// normalized exactly as docker's distribution/reference package does, so names,
// error texts and REPOSITORY columns match what docker users see.
import { invalidArgument } from '../errdefs/index.js';
import { isDigest, type Digest } from './digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const DEFAULT_REGISTRY_HOST = 'registry-1.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

export interface Reference {
  /** Registry domain as written, with port: "docker.io", "localhost:5000". */
  domain: string;
  /** Repository path inside the registry: "library/busybox". */
  path: string;
  tag?: string;
  digest?: Digest;
  /** domain/path */
  name: string;
  /** name[:tag][@digest] */
  toString(): string;
}

// The grammar from distribution/reference (regexp.go).
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const namePat = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`;
const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const TAG_RE = new RegExp(`^${tagPat}$`);

const refError = (detail?: string) =>
  invalidArgument(detail ? `invalid reference format: ${detail}` : 'invalid reference format');

function makeReference(domain: string, path: string, tag?: string, digest?: Digest): Reference {
  const name = `${domain}/${path}`;
  return {
    domain,
    path,
    tag,
    digest,
    name,
    toString: () => name + (tag ? `:${tag}` : '') + (digest ? `@${digest}` : ''),
  };
}

/** docker's splitDockerDomain: the first component is a registry only if it looks like one. */
function splitDockerDomain(s: string): [string, string] {
  const i = s.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : s.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = s;
  } else {
    domain = first;
    remainder = s.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

/**
 * Parses a reference the way `docker pull` does (ParseNormalizedNamed, then
 * TagNameOnly): "busybox" -> docker.io/library/busybox:latest. With
 * `defaultTag: false` a reference without tag or digest stays untagged.
 */
export function parseReference(s: string, opts: { defaultTag?: boolean } = {}): Reference {
  if (ANCHORED_IDENTIFIER_RE.test(s)) {
    throw invalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const nameEnd = remainder.search(/[:@]/);
  const remoteName = nameEnd === -1 ? remainder : remainder.slice(0, nameEnd);
  if (remoteName.toLowerCase() !== remoteName) throw refError('repository name must be lowercase');

  const full = `${domain}/${remainder}`;
  const m = REFERENCE_RE.exec(full);
  if (!m) {
    if (s === '') throw refError('repository name must have at least one component');
    if (REFERENCE_RE.test(full.toLowerCase())) throw refError('repository name must be lowercase');
    throw refError();
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw refError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const tag = m[2];
  const digest = m[3];
  if (digest !== undefined && !isDigest(digest)) throw refError();
  const path = name.slice(domain.length + 1);
  const defaultTag = opts.defaultTag ?? true;
  return makeReference(
    domain,
    path,
    tag ?? (digest === undefined && defaultTag ? DEFAULT_TAG : undefined),
    digest as Digest | undefined,
  );
}

/** True if `s` names a tag or digest explicitly (so `docker pull` prints no "Using default tag"). */
export function hasExplicitTagOrDigest(s: string): boolean {
  const r = parseReference(s, { defaultTag: false });
  return r.tag !== undefined || r.digest !== undefined;
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** Returns ref with its tag replaced (and digest dropped). */
export function withTag(ref: Reference, tag: string): Reference {
  if (!isValidTag(tag)) throw refError();
  return makeReference(ref.domain, ref.path, tag);
}

/** Returns ref with only a digest (name@digest). */
export function withDigest(ref: Reference, digest: Digest): Reference {
  return makeReference(ref.domain, ref.path, undefined, digest);
}

/** docker.io/library/busybox -> busybox, docker.io/user/app -> user/app; others unchanged. */
export function familiarName(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  const rest = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : undefined;
  return rest !== undefined && !rest.includes('/') ? rest : ref.path;
}

/** familiarName plus tag/digest: "busybox:latest". */
export function familiarString(ref: Reference): string {
  return familiarName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** The host to contact for a domain: docker.io is served by registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === LEGACY_DEFAULT_DOMAIN ? DEFAULT_REGISTRY_HOST : domain;
}
