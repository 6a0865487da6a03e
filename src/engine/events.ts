// The engine's event bus: every state change is one JSON line in
// <root>/events.log (rotated to events.log.1 past a bound), so every process
// sharing a root (daemonless CLIs, the daemon) sees every other's events.
// Subscribers replay the log and then follow it: inotify on the root wakes
// them, a slow poll covers what inotify misses (rotation, other mounts).
import { appendFileSync, renameSync, statSync, watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../errdefs/index.js';

export type EngineEventType = 'container' | 'image' | 'volume' | 'network' | 'daemon';

export interface EngineEvent {
  Type: EngineEventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

/** What an emitter says; the bus adds scope and the time. */
export type EventInput = Pick<EngineEvent, 'Type' | 'Action' | 'Actor'>;

export interface SubscribeOptions {
  /** Unix seconds (fractional). With since or until, past events in the range are replayed first (dockerd's rule). */
  since?: number;
  until?: number;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

const MAX_EVENTS_BYTES = 4 << 20;
const POLL_MS = 1000;

export const eventsPath = (root: string) => join(root, 'events.log');

function stamp(input: EventInput): EngineEvent {
  const nowNs = BigInt(Date.now()) * 1000000n + (process.hrtime.bigint() % 1000000n);
  return { ...input, scope: 'local', time: Number(nowNs / 1000000000n), timeNano: Number(nowNs) };
}

export class EngineEvents {
  readonly path: string;
  constructor(readonly root: string) {
    this.path = eventsPath(root);
  }

  /** Appends the event; never throws (an event that cannot be written must not fail the change it reports). */
  emit(input: EventInput): EngineEvent {
    const ev = stamp(input);
    try {
      // Synchronous: three small syscalls, where async calls cost a thread-pool round trip each (a run emits three events).
      const st = statSync(this.path, { throwIfNoEntry: false });
      if (st && st.size > MAX_EVENTS_BYTES) {
        try {
          renameSync(this.path, `${this.path}.1`);
        } catch {
          // another writer rotated it
        }
      }
      // One append(2) of a short line: concurrent writers don't interleave.
      appendFileSync(this.path, JSON.stringify(ev) + '\n');
    } catch {
      // root gone or read-only: the change itself stands
    }
    return ev;
  }

  /** Past events in [since, until] (when either is given), then live ones until `until` or the signal. */
  async *subscribe(opts: SubscribeOptions = {}): AsyncGenerator<EngineEvent> {
    const filters = opts.filters ?? {};
    validateEventFilters(filters);
    const wanted = (ev: EngineEvent) => {
      const t = ev.timeNano / 1e9;
      return (opts.since === undefined || t >= opts.since) && (opts.until === undefined || t <= opts.until) && eventMatches(ev, filters);
    };
    const untilPassed = () => opts.until !== undefined && Date.now() / 1000 > opts.until;
    const replay = opts.since !== undefined || opts.until !== undefined;
    // Start following before reading the past, so nothing written in between is missed.
    const tail = new LogTail(this.path, replay ? 0 : await fileSize(this.path));
    const wake = new Wakeup(this.root, opts.signal);
    try {
      if (replay) for (const ev of await readLog(`${this.path}.1`)) if (wanted(ev)) yield ev;
      for (;;) {
        for (const ev of await tail.read()) if (wanted(ev)) yield ev;
        if (opts.signal?.aborted || untilPassed()) return;
        await wake.next(opts.until === undefined ? POLL_MS : Math.max(1, Math.min(POLL_MS, opts.until * 1000 - Date.now() + 1)));
      }
    } finally {
      wake.close();
    }
  }
}


const fileSize = async (path: string) => (await stat(path).catch(() => undefined))?.size ?? 0;

async function readLog(path: string): Promise<EngineEvent[]> {
  const tail = new LogTail(path, 0);
  return tail.read();
}

/** Reads the complete lines appended to the log since the last read; a rotation starts over at the new file. */
class LogTail {
  constructor(
    private readonly path: string,
    private offset: number,
  ) {}

  async read(): Promise<EngineEvent[]> {
    const size = await fileSize(this.path);
    if (size < this.offset) this.offset = 0;
    if (size === this.offset) return [];
    const fh = await open(this.path, 'r').catch(() => undefined);
    if (!fh) return [];
    try {
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      const complete = buf.subarray(0, buf.subarray(0, bytesRead).lastIndexOf(10) + 1);
      this.offset += complete.length;
      const out: EngineEvent[] = [];
      for (const line of complete.toString().split('\n')) {
        if (!line) continue;
        try {
          out.push(JSON.parse(line) as EngineEvent);
        } catch {
          // a torn line from a crashed writer
        }
      }
      return out;
    } finally {
      await fh.close();
    }
  }
}

/** Resolves next() when the log may have changed, the timeout passed or the signal fired. */
class Wakeup {
  private watcher: FSWatcher | undefined;
  private pending = false;
  private resolve: (() => void) | undefined;
  private readonly onAbort = () => this.fire();

  constructor(dir: string, private readonly signal?: AbortSignal) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_e, name) => {
        if (name === null || String(name).startsWith('events.log')) this.fire();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = undefined; // no root yet or no inotify: the poll alone
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private fire(): void {
    this.pending = true;
    this.resolve?.();
  }

  next(timeoutMs: number): Promise<void> {
    if (this.pending || this.signal?.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.resolve?.(), timeoutMs);
      this.resolve = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        this.pending = false;
        resolve();
      };
    });
  }

  close(): void {
    this.watcher?.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.resolve?.();
  }
}

// ---- filters: dockerd's daemon/events/filter.go ----

const EVENT_FILTERS = new Set(['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume']);

export function validateEventFilters(filters: Record<string, string[]>): void {
  for (const k of Object.keys(filters)) if (!EVENT_FILTERS.has(k)) throw invalidArgument(`invalid filter '${k}'`);
}

const stripTag = (image: string) => {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
};

/** One filter key's values: any may match; every given key must. */
export function eventMatches(ev: EngineEvent, filters: Record<string, string[]>): boolean {
  const attrs = ev.Actor.Attributes;
  const byName = (type: EngineEventType, v: string) => ev.Type === type && (ev.Actor.ID === v || attrs.name === v || (v.length > 0 && ev.Actor.ID.startsWith(v) && type === 'container'));
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const ok = values.some((v) => {
      switch (key) {
        case 'type':
          return ev.Type === v;
        case 'event':
          // "exec_create: sh -c ..." is an exec_create event
          return ev.Action === v || ev.Action.split(':')[0] === v;
        case 'container':
          return byName('container', v);
        case 'network':
          return byName('network', v);
        case 'volume':
          return byName('volume', v);
        case 'daemon':
          return byName('daemon', v);
        case 'image': {
          const name = (ev.Type === 'image' ? attrs.name : attrs.image) ?? '';
          return [ev.Actor.ID, name, stripTag(ev.Actor.ID), stripTag(name)].includes(v);
        }
        case 'label': {
          const j = v.indexOf('=');
          return j < 0 ? v in attrs : attrs[v.slice(0, j)] === v.slice(j + 1);
        }
        case 'scope':
          return v === 'local';
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
