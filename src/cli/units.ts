// Human-readable sizes and durations exactly as docker prints and parses them
// (its go-units package): "4.26MB", "2 weeks ago", "--memory 512m".
import { invalidArgument } from '../errdefs/index.js';

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scaled(size: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  // Go's %.4g: `precision` significant digits, no trailing zeros.
  return `${Number(size.toPrecision(precision))}${units[i]}`;
}

/** docker's HumanSize: decimal units, 3 significant digits (images, ps -s, system df). */
export const humanSize = (bytes: number) => scaled(bytes, 1000, DECIMAL, 3);
/** docker's BytesSize: binary units (stats memory columns). */
export const binarySize = (bytes: number) => scaled(bytes, 1024, BINARY, 4);

/** docker's RAMInBytes: "512", "512b", "64k", "1.5g" (binary multiples, case-insensitive). */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw invalidArgument(`invalid size: '${s}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }[m[2]!.toLowerCase() as ''];
  return Math.floor(Number(m[1]) * mult);
}

export { humanDuration } from '../engine/durations.js';
import { humanDuration } from '../engine/durations.js';

/** "2 weeks ago", as the CREATED columns show. */
export const timeAgo = (date: Date | string | number, now = Date.now()) => `${humanDuration(now - new Date(date).getTime())} ago`;
