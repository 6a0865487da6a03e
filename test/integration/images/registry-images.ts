// Small OCI layouts for distribution tests: layers from in-memory file lists
// (tar-stream), compressed with gzip, zstd or not at all, optionally one image
// per platform behind an index. Pushed into a test registry with skopeo.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { Digest } from '../../../src/oci/digest.js';
import { MediaType, type Descriptor } from '../../../src/oci/image-spec.js';

export interface FileEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
  mode?: number;
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface ImageSpec {
  /** A layer is a file list, or a directory tarred by the system tar (e.g. a busybox rootfs). */
  layers: { files?: FileEntry[]; dir?: string; compression?: LayerCompression }[];
  platform?: { os: string; architecture: string; variant?: string };
  cmd?: string[];
}

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function tarOf(files: FileEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const f of files) {
    const type = f.type ?? 'file';
    const header = { name: f.name, type, mode: f.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(1700000000000), uid: 0, gid: 0, linkname: f.linkname };
    if (type === 'file') p.entry(header, Buffer.from(f.content ?? ''));
    else p.entry(header);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

function compress(tar: Buffer, c: LayerCompression): { blob: Buffer; mediaType: string } {
  if (c === 'gzip') return { blob: gzipSync(tar), mediaType: MediaType.OciLayerGzip };
  if (c === 'zstd') return { blob: execFileSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 }), mediaType: MediaType.OciLayerZstd };
  return { blob: tar, mediaType: MediaType.OciLayer };
}

async function putBlob(dir: string, data: Buffer): Promise<Digest> {
  const d = sha(data);
  await writeFile(join(dir, 'blobs', 'sha256', d.slice(7)), data);
  return d;
}

/** Writes one image (manifest + config + layers) into an OCI layout's blobs; returns its manifest descriptor. */
async function writeImage(dir: string, spec: ImageSpec): Promise<Descriptor & { diffIds: Digest[]; layerDigests: Digest[] }> {
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers: Descriptor[] = [];
  const diffIds: Digest[] = [];
  for (const l of spec.layers) {
    const tar = l.dir
      ? execFileSync('tar', ['-C', l.dir, '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 1 << 30 })
      : await tarOf(l.files ?? []);
    const { blob, mediaType } = compress(tar, l.compression ?? 'gzip');
    diffIds.push(sha(tar));
    layers.push({ mediaType, digest: await putBlob(dir, blob), size: blob.length });
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      ...platform,
      config: { Cmd: spec.cmd ?? ['/bin/sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'test' })),
    }),
  );
  const configDesc = { mediaType: MediaType.OciConfig, digest: await putBlob(dir, config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: configDesc, layers }));
  const digest = await putBlob(dir, manifest);
  return { mediaType: MediaType.OciManifest, digest, size: manifest.length, platform, diffIds, layerDigests: layers.map((l) => l.digest) };
}

export interface BuiltLayout {
  dir: string;
  tag: string;
  /** Digest of what index.json points at (a manifest, or the index for multi-platform). */
  digest: Digest;
  manifests: (Descriptor & { diffIds: Digest[]; layerDigests: Digest[] })[];
}

/** An OCI layout at dir holding `images` (one: a plain manifest; several: an index) tagged `tag`. */
export async function buildLayout(dir: string, images: ImageSpec[], tag = 'latest'): Promise<BuiltLayout> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = [];
  for (const spec of images) manifests.push(await writeImage(dir, spec));
  let top: Descriptor;
  if (manifests.length === 1) {
    const { diffIds: _d, layerDigests: _l, platform: _p, ...desc } = manifests[0]!;
    top = desc;
  } else {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: manifests.map(({ mediaType, digest, size, platform }) => ({ mediaType, digest, size, platform })),
      }),
    );
    top = { mediaType: MediaType.OciIndex, digest: await putBlob(dir, index), size: index.length };
  }
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return { dir, tag, digest: top.digest, manifests };
}

/** A few small layers with a deletion-free tree: enough for pull/push round trips. */
export function simpleImage(compression: LayerCompression = 'gzip', platform?: ImageSpec['platform']): ImageSpec {
  return {
    platform,
    layers: [
      { compression, files: [{ name: 'etc/', type: 'directory' }, { name: 'etc/hostname', content: 'gantry\n' }] },
      { compression, files: [{ name: 'data/', type: 'directory' }, { name: 'data/blob.bin', content: Buffer.alloc(300_000, 7) }, { name: 'data/link', type: 'symlink', linkname: 'blob.bin' }] },
      { compression, files: [{ name: 'app/', type: 'directory' }, { name: 'app/run.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 }] },
    ],
  };
}

export interface ProxyOptions {
  /** Flip a byte in this blob's response body (a registry serving corrupt data). */
  corruptBlob?: Digest;
  /** Flip a byte in this manifest's response body when fetched by digest. */
  corruptManifest?: Digest;
  /** Forward only this many bytes of this blob, then hold the response (to kill the registry mid-download). */
  stallBlob?: { digest: Digest; afterBytes: number; /** Send it chunked, so a client that got every byte still waits for the end. */ chunked?: boolean };
  /** Answer every ranged blob GET with 416 (a registry or CDN that cannot serve ranges). */
  refuseRanges?: boolean;
}

export interface TestProxy {
  host: string;
  /** Range headers seen on blob GETs. */
  ranges: string[];
  /** Every blob GET: "<digest> <range or 'full'>". */
  blobGets: string[];
  /** The headers of every request. */
  requestHeaders: import('node:http').IncomingHttpHeaders[];
  /** Resolves once a stalled blob has been held. */
  stalled: Promise<void>;
  /** Cuts the held responses (as a dying registry would). */
  releaseStalled(): void;
  stop(): Promise<void>;
}

/** A tiny HTTP proxy in front of a plain-HTTP test registry that can corrupt or stall blobs. */
export async function startProxy(upstreamHost: string, opts: ProxyOptions = {}): Promise<TestProxy> {
  const http = await import('node:http');
  const ranges: string[] = [];
  const blobGets: string[] = [];
  const requestHeaders: import('node:http').IncomingHttpHeaders[] = [];
  let markStalled!: () => void;
  const stalled = new Promise<void>((r) => (markStalled = r));
  const agent = new http.Agent({ keepAlive: false });
  const held: import('node:http').ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requestHeaders.push(req.headers);
    const isBlob = req.method === 'GET' && url.includes('/blobs/sha256:');
    if (isBlob && req.headers.range) ranges.push(req.headers.range);
    if (isBlob) blobGets.push(`${url.slice(url.indexOf('/blobs/') + 7)} ${req.headers.range ?? 'full'}`);
    if (isBlob && req.headers.range && opts.refuseRanges) {
      res.writeHead(416).end('range not satisfiable\n');
      return;
    }
    const up = http.request(
      { host: upstreamHost.split(':')[0], port: Number(upstreamHost.split(':')[1]), method: req.method, path: url, headers: { ...req.headers, host: upstreamHost }, agent },
      (ur) => {
        const headers = { ...ur.headers };
        if (headers.location) headers.location = headers.location.replace(upstreamHost, `${req.headers.host}`);
        const isManifest = req.method === 'GET' && opts.corruptManifest !== undefined && url.includes(`/manifests/${opts.corruptManifest}`);
        const corrupt = (isBlob && opts.corruptBlob && url.includes(opts.corruptBlob)) || isManifest;
        const stall = isBlob && opts.stallBlob && url.includes(opts.stallBlob.digest) && !req.headers.range ? opts.stallBlob : undefined;
        if (stall?.chunked) delete headers['content-length'];
        res.writeHead(ur.statusCode ?? 502, headers);
        let sent = 0;
        let flipped = false;
        if (stall) held.push(res);
        ur.on('data', (c: Buffer) => {
          let chunk = c;
          if (corrupt && !flipped) {
            chunk = Buffer.from(c);
            chunk[0] = chunk[0]! ^ 0xff;
            flipped = true;
          }
          if (stall) {
            // Forward the first bytes, swallow the rest and hold the response open until released.
            const room = stall.afterBytes - sent;
            if (room <= 0) return;
            res.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.length);
            if (sent >= stall.afterBytes) markStalled();
            return;
          }
          res.write(chunk);
        });
        ur.on('end', () => {
          if (!stall) res.end();
        });
        ur.on('error', () => res.destroy());
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    ranges,
    blobGets,
    requestHeaders,
    stalled,
    releaseStalled: () => held.splice(0).forEach((r) => r.destroy()),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
    },
  };
}
