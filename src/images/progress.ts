// Docker's JSON progress messages and their rendering: on a terminal one line per
// layer id, redrawn in place with cursor movement and a progress bar; otherwise
// plain lines for status changes only (byte-count updates are dropped), as docker does.
import type { Writable } from 'node:stream';

export interface ProgressEvent {
  status: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
}

const BAR_WIDTH = 50;
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** go-units HumanSize as docker's bars print it: decimal units, 3 significant digits. */
export function humanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${UNITS[i]}`;
}

/** docker's progress string: "[=====>        ]  1.2MB/3.4MB". */
export function progressBar(current: number, total: number | undefined): string {
  if (!total || total <= 0) return humanSize(current);
  const pct = Math.min(1, current / total);
  const filled = Math.floor(pct * BAR_WIDTH);
  const bar = '='.repeat(Math.max(0, filled - (filled < BAR_WIDTH ? 0 : 1))) + (filled < BAR_WIDTH ? '>' : '=');
  return `[${bar.padEnd(BAR_WIDTH, ' ')}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

export function withBar(e: ProgressEvent): ProgressEvent {
  const d = e.progressDetail;
  if (!d || d.current === undefined) return e;
  return { ...e, progress: progressBar(d.current, d.total) };
}

function lineOf(e: ProgressMessage, withProgress: boolean): string {
  const prefix = e.id ? `${e.id}: ` : '';
  const progress = withProgress && e.progress ? ` ${e.progress}` : '';
  return `${prefix}${e.status ?? ''}${progress}`;
}

/** What the renderer takes: a progress event, or a JSON message without a status (push's aux {Tag, Digest, Size}), not displayed. */
export type ProgressMessage = Omit<ProgressEvent, 'status'> & { status?: string };

export interface ProgressRenderer {
  (e: ProgressMessage): void;
}

/** Renders progress events the way the docker CLI displays a pull/push stream. */
export function createProgressRenderer(out: Writable & { isTTY?: boolean }): ProgressRenderer {
  if (!out.isTTY) {
    return (e) => {
      if (e.status === undefined) return;
      if (e.progressDetail?.current !== undefined && e.progressDetail.total) return;
      out.write(lineOf(e, false) + '\n');
    };
  }
  // Line index of every id printed so far; the cursor sits below the last line.
  const lines = new Map<string, number>();
  let count = 0;
  return (m) => {
    if (m.status === undefined) return;
    const e = withBar({ ...m, status: m.status });
    const text = lineOf(e, true);
    if (!e.id) {
      out.write(`${text}\n`);
      count++;
      return;
    }
    const at = lines.get(e.id);
    if (at === undefined) {
      lines.set(e.id, count);
      out.write(`\x1b[2K\r${text}\n`);
      count++;
      return;
    }
    const up = count - at;
    out.write(`\x1b[${up}A\x1b[2K\r${text}\r\x1b[${up}B`);
  };
}
