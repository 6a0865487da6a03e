// A cross-process exclusive lock for the network metadata. Node has no flock(2),
// so the lock is an exclusively created file naming its holder (pid + start time);
// a holder that died (crashed CLI) is detected and its lock taken over.
import { open, readFile, unlink, rename } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { unavailable } from '../errdefs/index.js';

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the parenthesised command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const SELF = `${process.pid} ${processStartTime(process.pid) ?? ''}`;

async function holderIsDead(path: string): Promise<boolean> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch {
    return false; // released meanwhile: just retry
  }
  const [pid, start] = content.trim().split(' ');
  if (!pid) return false; // being written right now
  const live = processStartTime(Number(pid));
  return live === undefined || (start !== undefined && start !== '' && live !== start);
}

/** Runs fn while holding the lock file at path; waits up to timeoutMs for it. */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(SELF);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await holderIsDead(path)) {
      // Rename first so two waiters cannot both delete a lock one of them just took.
      const stale = `${path}.stale.${process.pid}`;
      try {
        await rename(path, stale);
        if (await holderIsDead(stale)) await unlink(stale);
        else await rename(stale, path); // a live holder: put it back
      } catch {
        /* someone else dealt with it */
      }
      continue;
    }
    if (Date.now() > deadline) throw unavailable(`acquire lock ${path}: timed out`);
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
