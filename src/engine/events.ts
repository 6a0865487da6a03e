// The event log: one JSON line per state change in <root>/events.log, rotated
// to events.log.1 past a bound so it never grows without limit.
import { appendFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface EngineEvent {
  Type: 'container' | 'image' | 'volume' | 'network';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

const MAX_EVENTS_BYTES = 4 << 20;

export const eventsPath = (root: string) => join(root, 'events.log');

export async function emitEvent(root: string, type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string>): Promise<void> {
  const nowNs = BigInt(Date.now()) * 1000000n + (process.hrtime.bigint() % 1000000n);
  const ev: EngineEvent = {
    Type: type,
    Action: action,
    Actor: { ID: id, Attributes: attributes },
    scope: 'local',
    time: Number(nowNs / 1000000000n),
    timeNano: Number(nowNs),
  };
  const path = eventsPath(root);
  // Synchronous: three small syscalls, where async calls cost a thread-pool round trip each (a run emits three events).
  const st = statSync(path, { throwIfNoEntry: false });
  if (st && st.size > MAX_EVENTS_BYTES) {
    try {
      renameSync(path, `${path}.1`);
    } catch {
      // another writer rotated it
    }
  }
  // One append(2) of a line under PIPE_BUF-ish size: concurrent writers don't interleave.
  appendFileSync(path, JSON.stringify(ev) + '\n');
}
