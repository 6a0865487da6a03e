// The process `exec` runs: read from --process, or (as runc does) the
// container's own config.json process with the command-line flags applied.
import { invalidArgument, notImplemented } from '../../errdefs/index.js';
import type { Process } from '../../oci/runtime-spec.js';
import { flagBool, flagIsSet, flagList, flagString, type ParsedArgs } from './args.js';

function parseId(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw invalidArgument(`parsing ${raw} as int for ${what} failed`);
  return Number(raw);
}

export function validateProcess(p: Process): Process {
  if (!p.cwd) throw invalidArgument('Cwd property must not be empty');
  if (!p.cwd.startsWith('/')) throw invalidArgument('Cwd must be an absolute path');
  if (!p.args || p.args.length === 0) throw invalidArgument('args must not be empty');
  return p;
}

/** Applies exec's flags onto a copy of `base` (the container's config.json process). */
export function processFromFlags(base: Process, p: ParsedArgs, args: readonly string[]): Process {
  if (flagString(p, 'apparmor')) throw notImplemented('apparmor is not supported by gantry-runtime');
  if (flagString(p, 'process-label')) throw notImplemented('SELinux process labels are not supported by gantry-runtime');
  const proc: Process = structuredClone(base);
  proc.args = [...args];
  const cwd = flagString(p, 'cwd');
  if (cwd) proc.cwd = cwd;
  const caps = flagList(p, 'cap');
  if (caps.length > 0) {
    const c = (proc.capabilities ??= {});
    c.bounding = [...(c.bounding ?? []), ...caps];
    c.effective = [...(c.effective ?? []), ...caps];
    c.permitted = [...(c.permitted ?? []), ...caps];
    // Ambient caps need inheritable ones, which --cap does not add.
    if (c.inheritable) c.ambient = [...(c.ambient ?? []), ...caps];
  }
  proc.env = [...(proc.env ?? []), ...flagList(p, 'env')];
  proc.terminal = flagIsSet(p, 'tty') ? flagBool(p, 'tty') : false;
  if (flagIsSet(p, 'no-new-privs')) proc.noNewPrivileges = flagBool(p, 'no-new-privs');
  const user = flagString(p, 'user');
  if (user) {
    const [uid, gid] = user.split(':', 2);
    proc.user = { ...proc.user, uid: parseId(uid!, 'uid'), ...(gid !== undefined ? { gid: parseId(gid, 'gid') } : {}) };
  }
  const gids = flagList(p, 'additional-gids');
  if (gids.length > 0) {
    proc.user = {
      ...proc.user,
      additionalGids: [...(proc.user.additionalGids ?? []), ...gids.map((g) => parseId(g, 'additional-gids'))],
    };
  }
  return validateProcess(proc);
}
