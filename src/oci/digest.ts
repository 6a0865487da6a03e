// Content digests ("sha256:<64 hex>") as the image and distribution specs define them.
import { createHash } from 'node:crypto';
import { invalidArgument } from '../errdefs/index.js';

export type Digest = `${string}:${string}`;

const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;
const ENCODED_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export function isDigest(s: string): s is Digest {
  const m = DIGEST_RE.exec(s);
  if (!m) return false;
  const len = ENCODED_LENGTH[m[1]!];
  return len === undefined ? true : m[2]!.length === len && /^[a-f0-9]+$/.test(m[2]!);
}

export function parseDigest(s: string): { algorithm: string; encoded: string } {
  if (!isDigest(s)) throw invalidArgument(`invalid digest "${s}"`);
  const i = s.indexOf(':');
  return { algorithm: s.slice(0, i), encoded: s.slice(i + 1) };
}

export function sha256Digest(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)); ChainID(L0) = DiffID(L0). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
