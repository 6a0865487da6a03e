// Moving a process into a cgroup (a cgroup.procs write) takes the kernel's global
// cgroup_threadgroup_rwsem for writing. Taking it first waits for an RCU grace
// period (5-20 ms measured here) unless another writer released it within the
// last grace period. So while the runtime prepares a container, a thread-pool
// thread rewrites our own pid into the cgroup we are already in (a migration that
// moves nothing) every few milliseconds, paying that wait in the background and
// keeping the lock in its fast state: the helper's real join right after clone
// then takes microseconds instead of a grace period.
import { closeSync, openSync, readFileSync, write } from 'node:fs';

/**
 * The cgroup.procs file of the cgroup this process is in, found from
 * /proc/self/cgroup and the cgroup mounts that show a hierarchy's root (so the
 * path is right by construction: writing a wrong cgroup would move this
 * process); undefined when no mount shows it (e.g. a cgroup namespace's mount
 * seen from outside it).
 */
export function ownCgroupProcsFile(procSelfCgroup: string, mountinfo: string): string | undefined {
  const own = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (m) own.set(m[1]!, m[2]!);
  }
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const [, , , root, mountPoint] = line.slice(0, sep).split(' ');
    if (root !== '/' || mountPoint === undefined || /\\/.test(mountPoint)) continue;
    let key: string | undefined;
    if (fstype === 'cgroup2') key = '';
    else if (fstype === 'cgroup') key = superOptions.split(',').filter((o) => o.startsWith('name=') || !/^(rw|ro|release_agent=.*|clone_children|noprefix|xattr|cpuset_v2_mode)$/.test(o)).join(',');
    const path = key === undefined ? undefined : own.get(key);
    if (path !== undefined) return `${mountPoint === '/' ? '' : mountPoint}${path === '/' ? '' : path}/cgroup.procs`;
  }
  return undefined;
}

/** Found once per process (a daemon primes for every container); null: none usable. */
let ownProcsFile: string | null | undefined;

/** How often the no-op migration is repeated: well inside a grace period, so the fast state never lapses. */
const REPEAT_MS = 4;
/** Priming stops by itself after this, should the caller never stop it. */
const MAX_MS = 2000;

/**
 * Repeats the no-op migration in the background until the returned function is
 * called (once the helper has joined). Any failure only forgoes the gain.
 */
export function primeCgroupAttach(): () => void {
  let fd: number;
  try {
    ownProcsFile ??= ownCgroupProcsFile(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8')) ?? null;
    if (ownProcsFile === null) return () => {};
    fd = openSync(ownProcsFile, 'w');
  } catch {
    return () => {};
  }
  const pid = Buffer.from(String(process.pid));
  const until = Date.now() + MAX_MS;
  let stopped = false;
  let writing = false;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    if (!writing) closeSync(fd);
  };
  const once = () => {
    timer = undefined;
    if (stopped) return;
    if (Date.now() > until) return finish();
    writing = true;
    write(fd, pid, 0, pid.length, null, (err) => {
      writing = false;
      if (stopped) return closeSync(fd);
      if (err) return finish();
      timer = setTimeout(once, REPEAT_MS).unref();
    });
  };
  once();
  return () => {
    if (!stopped) finish();
  };
}
