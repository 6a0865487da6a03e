// IPv4 address and CIDR arithmetic for subnet choice and validation.
import { invalidArgument } from '../errdefs/index.js';

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export const formatIPv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Parses "a.b.c.d/n"; the host bits must be zero unless allowHostBits (e.g. an interface address). */
export function parseCidr(s: string, what = 'subnet', allowHostBits = false): Cidr {
  const [addr, len] = s.split('/');
  const ip = addr === undefined ? undefined : parseIPv4(addr);
  const prefix = len !== undefined && /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) throw invalidArgument(`invalid ${what}: ${s}`);
  const base = (ip & mask(prefix)) >>> 0;
  if (!allowHostBits && base !== ip) throw invalidArgument(`invalid ${what} ${s}: it should be ${formatIPv4(base)}/${prefix}`);
  return { base, prefix };
}

export const formatCidr = (c: Cidr) => `${formatIPv4(c.base)}/${c.prefix}`;
export const cidrSize = (c: Cidr) => 2 ** (32 - c.prefix);
export const cidrContains = (c: Cidr, ip: number) => ((ip & mask(c.prefix)) >>> 0) === c.base;
export const cidrsOverlap = (a: Cidr, b: Cidr) => cidrContains(a, b.base) || cidrContains(b, a.base);

/** Networks the host already routes (from /proc/net/route text), to avoid picking a clashing subnet. */
export function parseProcNetRoute(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = Buffer.from(f[1]!, 'hex').readUInt32LE(0);
    const m = Buffer.from(f[7]!, 'hex').readUInt32LE(0);
    if (m === 0) continue; // default route
    const prefix = 32 - countTrailingZeros(m);
    out.push({ base: dest >>> 0, prefix });
  }
  return out;
}

function countTrailingZeros(n: number): number {
  if (n === 0) return 32;
  let c = 0;
  while ((n & 1) === 0) {
    n >>>= 1;
    c++;
  }
  return c;
}
