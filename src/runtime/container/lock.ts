// Serializes the operations on one container across processes (Node has no
// flock): an exclusively created lock file that names its holder by pid and
// start time. A holder that died (or whose pid was reused) no longer counts,
// and its file is moved aside by whoever finds it.
import { linkSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { notFound, unavailable } from '../../errdefs/index.js';
import { processStartTime } from '../../sys/process-alive.js';

/** How long an operation waits for another one on the same container (hooks may run meanwhile). */
const WAIT_MS = 120_000;

let self: string | undefined;
let taken = 0;
/** "pid starttime n": n tells this process's acquisitions apart, so a release removes only its own file. */
const holderId = () => `${(self ??= `${process.pid} ${processStartTime(process.pid) ?? ''}`)} ${++taken}`;

function readHolder(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function holderAlive(file: string, holder: string): boolean {
  // an empty file is a holder between its create and its write, unless that was long ago
  if (holder === '') return Date.now() - (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 1000;
  const [pid, startTime] = holder.split(' ');
  return processStartTime(Number(pid)) === startTime;
}

/** Moves a dead holder's file away, unless another process replaced it meanwhile (then it is put back). */
function breakStale(file: string, holder: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return;
  }
  if (readHolder(aside) !== holder) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process holds it now; the one we moved had been live only an instant ago
    }
  }
  unlinkSync(aside);
}

/**
 * Takes the lock file (in the container's state directory, so a missing
 * directory means the container is gone) and returns its release.
 */
export async function lockContainer(file: string, id: string): Promise<() => void> {
  const deadline = Date.now() + WAIT_MS;
  for (let i = 0; ; i++) {
    const me = holderId();
    try {
      writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
      // delete removes the directory with the file; a create of the same id may hold a new one by then
      return () => void (readHolder(file) === me && rmSync(file, { force: true }));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw notFound(`container ${id} does not exist`);
      if (code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder === undefined) continue;
    if (!holderAlive(file, holder)) {
      breakStale(file, holder);
      continue;
    }
    if (Date.now() > deadline) throw unavailable(`container ${id} is busy: another operation (pid ${holder.split(' ')[0]}) holds its lock`);
    await new Promise((resolve) => setTimeout(resolve, i < 20 ? 1 : 10));
  }
}
