// Whether a process still lives, for state that names its holder by pid (locks,
// leases, half-created records). A zombie counts as dead: it will never act
// again, and where nobody reaps orphans promptly (a minimal pid 1, a container
// without an init) a killed gantry stays one indefinitely.
import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name, or undefined when there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const gone = (state: string | undefined) => state === 'Z' || state === 'X' || state === 'x';

/** Start time (clock ticks after boot) of a live process, to tell it from a later one with the same pid. */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const f = statFields(pid);
  return f && !gone(f[0]) ? f[19] : undefined;
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !gone(statFields(pid)?.[0] ?? 'X');
}
