// Manifest and blob fetching for one repository: tag resolution (HEAD, then GET by
// digest), digest verification, schema 1 refusal and storing into the content store.
import type { IncomingMessage } from 'node:http';
import { GantryError, notFound } from '../../errdefs/index.js';
import { sha256Digest, isDigest, type Digest } from '../../oci/digest.js';
import { MediaType, type Descriptor, type Index, type Manifest } from '../../oci/image-spec.js';
import { familiarName, familiarString, type Reference } from '../../oci/reference.js';
import type { ContentStore } from '../content/store-api.js';
import { pullScope, type RegistryClient } from './client.js';
import { readBody, RegistryError } from './errors.js';

export const MANIFEST_ACCEPT = [
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.OciIndex,
  '*/*',
].join(', ');

const MAX_MANIFEST_BYTES = 8 << 20;

export const isIndexType = (mt: string) => mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
export const isManifestType = (mt: string) => mt === MediaType.OciManifest || mt === MediaType.DockerManifest;

function refuseSchema1(mediaType: string, ref: Reference): void {
  if (
    mediaType === MediaType.DockerManifestSchema1 ||
    mediaType === MediaType.DockerManifestSchema1Signed ||
    mediaType === 'application/json' // schema 1 registries answer with this
  ) {
    throw new GantryError(
      'not-implemented',
      `schema 1 manifests are not supported; ${familiarString(ref)} must be pushed again with a current client (docker or gantry push writes schema 2/OCI manifests)`,
    );
  }
}

/** The media type a manifest document declares (falling back to its shape). */
export function manifestMediaType(body: Buffer, headerType: string | undefined): string {
  let parsed: { mediaType?: string; schemaVersion?: number; manifests?: unknown; config?: unknown } = {};
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    /* not JSON: the header decides */
  }
  if (parsed.schemaVersion === 1) return MediaType.DockerManifestSchema1Signed;
  if (parsed.mediaType) return parsed.mediaType;
  if (parsed.manifests) return MediaType.OciIndex;
  if (parsed.config) return MediaType.OciManifest;
  return headerType?.split(';')[0]?.trim() ?? 'application/octet-stream';
}

function contentType(res: IncomingMessage): string | undefined {
  return res.headers['content-type']?.split(';')[0]?.trim();
}

function notFoundError(ref: Reference, err: RegistryError): GantryError {
  if (err.status === 401 || err.status === 403 || err.details.some((d) => d.code === 'NAME_UNKNOWN')) {
    return new GantryError(
      err.status === 404 ? 'not-found' : 'unauthorized',
      `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${err.message.replace(/^[A-Z]+ "?[^ ]+"?: /, '')}`,
      { cause: err },
    );
  }
  return notFound(`manifest for ${familiarString(ref)} not found: manifest unknown: manifest unknown`, err);
}

/** Resolves a tag or digest reference to the descriptor of its top-level manifest or index. */
export async function resolveReference(client: RegistryClient, ref: Reference): Promise<Descriptor> {
  const target = ref.digest ?? ref.tag ?? 'latest';
  const path = `/v2/${ref.path}/manifests/${target}`;
  const scopes = [pullScope(ref.path)];
  let res: IncomingMessage;
  try {
    res = await client.request('HEAD', path, { scopes, headers: { accept: MANIFEST_ACCEPT } });
  } catch (err) {
    if (err instanceof RegistryError && [401, 403, 404].includes(err.status)) throw notFoundError(ref, err);
    throw err;
  }
  res.resume();
  const digestHeader = res.headers['docker-content-digest'];
  const type = contentType(res);
  const length = Number(res.headers['content-length']);
  if (ref.digest) {
    return { mediaType: type ?? MediaType.OciManifest, digest: ref.digest, size: Number.isFinite(length) ? length : -1 };
  }
  if (typeof digestHeader === 'string' && isDigest(digestHeader) && type && type !== 'application/json' && Number.isFinite(length)) {
    return { mediaType: type, digest: digestHeader, size: length };
  }
  // No usable HEAD answer: GET by tag and digest the bytes ourselves.
  const got = await client.request('GET', path, { scopes, headers: { accept: MANIFEST_ACCEPT } });
  const body = await readBody(got, MAX_MANIFEST_BYTES);
  return { mediaType: manifestMediaType(body, contentType(got)), digest: sha256Digest(body), size: body.length };
}

/**
 * Fetches a manifest or index by digest (unless stored), verifies its digest and
 * stores it; returns its bytes and the media type it declares.
 */
export async function fetchManifest(
  client: RegistryClient,
  content: ContentStore,
  ref: Reference,
  digest: Digest,
): Promise<{ bytes: Buffer; mediaType: string }> {
  let bytes: Buffer;
  let headerType: string | undefined;
  if (await content.has(digest)) {
    bytes = await content.readBlob(digest);
  } else {
    let res: IncomingMessage;
    try {
      res = await client.request('GET', `/v2/${ref.path}/manifests/${digest}`, {
        scopes: [pullScope(ref.path)],
        headers: { accept: MANIFEST_ACCEPT },
      });
    } catch (err) {
      if (err instanceof RegistryError && [401, 403, 404].includes(err.status)) throw notFoundError(ref, err);
      throw err;
    }
    headerType = contentType(res);
    bytes = await readBody(res, MAX_MANIFEST_BYTES);
    refuseSchema1(manifestMediaType(bytes, headerType), ref);
    const actual = sha256Digest(bytes);
    if (actual !== digest) {
      throw new GantryError('failed-precondition', `manifest verification failed for digest ${digest}: got ${actual}`);
    }
    await content.putBlob(bytes, digest);
  }
  const mediaType = manifestMediaType(bytes, headerType);
  refuseSchema1(mediaType, ref);
  return { bytes, mediaType };
}

export function parseIndex(bytes: Buffer): Index {
  const idx = JSON.parse(bytes.toString('utf8')) as Index;
  if (!Array.isArray(idx.manifests)) throw new GantryError('invalid-argument', 'invalid image index: no manifests');
  return idx;
}

export function parseManifest(bytes: Buffer): Manifest {
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (!m.config || !Array.isArray(m.layers)) throw new GantryError('invalid-argument', 'invalid image manifest: no config or layers');
  return m;
}

/** Adds repo to the containerd-style distribution source label of a blob (used for cross-repo mounts). */
export async function recordSource(content: ContentStore, digest: Digest, ref: Reference): Promise<void> {
  const key = `containerd.io/distribution.source.${ref.domain}`;
  const current = (await content.labels(digest))[key];
  const repos = new Set(current ? current.split(',') : []);
  if (repos.has(ref.path)) return;
  repos.add(ref.path);
  await content.setLabels(digest, { [key]: [...repos].join(',') });
}

/** Repositories of `domain` a blob is known to come from. */
export async function knownSources(content: ContentStore, digest: Digest, domain: string): Promise<string[]> {
  const v = (await content.labels(digest))[`containerd.io/distribution.source.${domain}`];
  return v ? v.split(',') : [];
}
