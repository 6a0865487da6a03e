// Platforms ("linux/arm64/v8") and choosing a manifest from an index the way
// containerd's default matcher does: os and architecture must match, a variant
// must match when both sides name one (arm64 defaults to v8, arm to the host's).
import { arch } from 'node:os';
import { invalidArgument } from '../../errdefs/index.js';
import type { Descriptor, Platform } from '../../oci/image-spec.js';

const ARCH_ALIASES: Record<string, string> = {
  x64: 'amd64',
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  ia32: '386',
  i386: '386',
  armhf: 'arm',
  armel: 'arm',
};

function normalizeArch(a: string, variant?: string): { architecture: string; variant?: string } {
  const architecture = ARCH_ALIASES[a.toLowerCase()] ?? a.toLowerCase();
  let v = variant?.toLowerCase();
  if (a.toLowerCase() === 'armhf' && !v) v = 'v7';
  if (a.toLowerCase() === 'armel' && !v) v = 'v6';
  if (architecture === 'arm64' && v === '8') v = 'v8';
  if (architecture === 'arm' && v && /^\d$/.test(v)) v = `v${v}`;
  return v ? { architecture, variant: v } : { architecture };
}

export function hostPlatform(): Platform {
  return { os: 'linux', ...normalizeArch(arch(), arch() === 'arm' ? 'v7' : undefined) };
}

/** Parses docker's --platform value: "linux", "linux/arm64", "linux/arm/v7", "arm64". */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) {
    throw invalidArgument(`invalid platform "${s}": expected os[/arch[/variant]]`);
  }
  const host = hostPlatform();
  if (parts.length === 1) {
    const only = parts[0]!.toLowerCase();
    // A lone word is an OS if it is one, else an architecture on linux.
    if (['linux', 'windows', 'darwin', 'freebsd'].includes(only)) return { ...host, os: only };
    return { os: 'linux', ...normalizeArch(only) };
  }
  return { os: parts[0]!.toLowerCase(), ...normalizeArch(parts[1]!, parts[2]) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function defaultVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  return undefined;
}

export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  const h = { os: have.os.toLowerCase(), ...normalizeArch(have.architecture, have.variant) };
  if (h.os !== want.os || h.architecture !== want.architecture) return false;
  const wv = defaultVariant(want);
  const hv = defaultVariant(h);
  return wv === undefined || hv === undefined || wv === hv;
}

const isAttestation = (d: Descriptor) =>
  d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
  (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown');

/** The best manifest of an index for `want`: exact variant first, then any compatible one. */
export function selectManifest(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter((d) => !isAttestation(d) && platformMatches(want, d.platform));
  const exact = candidates.find((d) => (d.platform?.variant ?? defaultVariant(d.platform!)) === defaultVariant(want));
  return exact ?? candidates[0];
}
