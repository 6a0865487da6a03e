// Docker's RFC3339Nano timestamps as the CRI's int64 nanoseconds (decimal strings:
// they exceed 2^53). Go's zero time ("0001-01-01T00:00:00Z") is 0.
export function rfc3339ToNs(time: string | undefined): string {
  if (!time || time.startsWith('0001-')) return '0';
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return '0';
  const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`) / 1000);
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return String(seconds * 1_000_000_000n + fraction);
}

export const nowNs = () => String(BigInt(Date.now()) * 1_000_000n);
