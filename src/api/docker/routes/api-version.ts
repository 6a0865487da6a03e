// API version comparison for the few fields whose shape depends on the
// client's version ("1.9" < "1.10": compared as numbers per part, as dockerd does).
export function versionLess(version: string, than: string): boolean {
  const a = version.split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
