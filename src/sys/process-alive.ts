// Whether a process still lives, for state that names its holder by pid (locks,
// leases, half-created records, a container's init). A zombie counts as dead: it
// will never act again, and where nobody reaps orphans promptly (a minimal pid 1,
// a container without an init) a killed gantry stays one indefinitely.
import { readFileSync } from 'node:fs';

/** State letter and start time (clock ticks after boot) from /proc/<pid>/stat, or undefined when there is no such process. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

const gone = (state: string) => state === 'Z' || state === 'X' || state === 'x';

/** Start time of a live process, to tell it from a later one with the same pid. */
export function processStartTime(pid: number): string | undefined {
  const st = procStat(pid);
  return st && !gone(st.state) ? st.startTime : undefined;
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processStartTime(pid) !== undefined;
}
