// cgroupsPath → the path inside each hierarchy.
import { invalidArgument } from '../../errdefs/index.js';

/** "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice", as systemd nests slices by dashes. */
export function expandSlice(slice: string): string {
  if (!slice.endsWith('.slice') || slice.includes('/')) throw invalidArgument(`invalid slice name "${slice}"`);
  const base = slice.slice(0, -'.slice'.length);
  if (base === '-') return '';
  if (base === '' || base.startsWith('-') || base.endsWith('-') || base.includes('--')) throw invalidArgument(`invalid slice name "${slice}"`);
  let path = '';
  let prefix = '';
  for (const part of base.split('-')) {
    prefix = prefix === '' ? part : `${prefix}-${part}`;
    path += `/${prefix}.slice`;
  }
  return path;
}

/** "slice:prefix:name" → "<slice path>/<prefix>-<name>.scope" (or the slice itself when name is one). */
function systemdPath(cgroupsPath: string, id: string): string {
  const parts = cgroupsPath === '' ? ['', 'gantry', id] : cgroupsPath.split(':');
  if (parts.length !== 3) throw invalidArgument(`expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${cgroupsPath}" instead`);
  const [slice, prefix, name] = parts as [string, string, string];
  const parent = expandSlice(slice === '' ? 'system.slice' : slice);
  if (name.endsWith('.slice')) return `${parent}/${name}`;
  return `${parent}/${prefix === '' ? '' : `${prefix}-`}${name}.scope`;
}

export function resolveCgroupPath(opts: { id: string; cgroupsPath?: string; systemd?: boolean }): string {
  if (opts.systemd) return systemdPath(opts.cgroupsPath ?? '', opts.id);
  const raw = opts.cgroupsPath ?? `/gantry/${opts.id}`;
  const clean = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (clean.includes('..')) throw invalidArgument(`invalid cgroupsPath "${raw}": must not contain ".."`);
  if (clean.length === 0) throw invalidArgument(`invalid cgroupsPath "${raw}": refers to the root cgroup`);
  return '/' + clean.join('/');
}
