// Linux signal names and numbers (x86_64 and arm64 share the generic numbering).
import { invalidArgument } from '../errdefs/index.js';

const SIGNALS: readonly (readonly [string, number])[] = [
  ['HUP', 1], ['INT', 2], ['QUIT', 3], ['ILL', 4], ['TRAP', 5], ['ABRT', 6], ['IOT', 6],
  ['BUS', 7], ['FPE', 8], ['KILL', 9], ['USR1', 10], ['SEGV', 11], ['USR2', 12],
  ['PIPE', 13], ['ALRM', 14], ['TERM', 15], ['STKFLT', 16], ['CHLD', 17], ['CLD', 17],
  ['CONT', 18], ['STOP', 19], ['TSTP', 20], ['TTIN', 21], ['TTOU', 22], ['URG', 23],
  ['XCPU', 24], ['XFSZ', 25], ['VTALRM', 26], ['PROF', 27], ['WINCH', 28], ['IO', 29],
  ['POLL', 29], ['PWR', 30], ['SYS', 31],
];

/** glibc reserves 32 and 33 for threads, so user-visible SIGRTMIN is 34 (as docker and runc use). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

const BY_NAME = new Map(SIGNALS);
const BY_NUMBER = new Map<number, string>();
for (const [name, n] of SIGNALS) if (!BY_NUMBER.has(n)) BY_NUMBER.set(n, name);

/** "9", 9, "KILL", "SIGKILL", "kill", "SIGRTMIN+3", "RTMAX-1" → signal number. */
export function parseSignal(s: string | number): number {
  const invalid = () => invalidArgument(`invalid signal "${s}"`);
  if (typeof s === 'number') {
    if (!Number.isInteger(s) || s < 1 || s > SIGRTMAX) throw invalid();
    return s;
  }
  const text = s.trim();
  if (/^\d+$/.test(text)) return parseSignal(Number(text));
  let name = text.toUpperCase();
  if (name.startsWith('SIG')) name = name.slice(3);
  if (/^\d+$/.test(name)) return parseSignal(Number(name));
  const known = BY_NAME.get(name);
  if (known !== undefined) return known;
  const rt = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const offset = rt[3] === undefined ? 0 : Number(rt[3]) * (rt[2] === '-' ? -1 : 1);
    const n = (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + offset;
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw invalid();
}

/** 9 → "SIGKILL", 37 → "SIGRTMIN+3", 32 (glibc-internal, unnamed) → "SIG32". */
export function signalName(n: number): string {
  const name = BY_NUMBER.get(n);
  if (name !== undefined) return `SIG${name}`;
  if (n === 32 || n === 33) return `SIG${n}`;
  if (Number.isInteger(n) && n >= SIGRTMIN && n <= SIGRTMAX) {
    if (n === SIGRTMIN) return 'SIGRTMIN';
    if (n === SIGRTMAX) return 'SIGRTMAX';
    return n - SIGRTMIN <= SIGRTMAX - n ? `SIGRTMIN+${n - SIGRTMIN}` : `SIGRTMAX-${SIGRTMAX - n}`;
  }
  throw invalidArgument(`invalid signal "${n}"`);
}
