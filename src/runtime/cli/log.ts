// runc's logging: logrus lines to --log (default stderr) in text
// (`time="..." level=error msg="..."`) or json ({"level","msg","time"}) format.
// containerd and conmon read the last "error" line of the json log file to
// build their error messages, so failures must always reach it.
import { appendFileSync, openSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

/** RFC 3339 in UTC with second precision, as logrus writes by default. */
export const logTime = (d = new Date()) => d.toISOString().replace(/\.\d+Z$/, 'Z');

// logrus quotes a text value only when it has characters outside [A-Za-z0-9-._/@^+].
function quoteText(s: string): string {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(s) ? s : JSON.stringify(s);
}

export function formatLogLine(format: LogFormat, level: LogLevel, msg: string, time = logTime()): string {
  if (format === 'json') return `${JSON.stringify({ level, msg, time })}\n`;
  return `time=${quoteText(time)} level=${level} msg=${quoteText(msg)}\n`;
}

export class Logger {
  readonly toStderr: boolean;
  private readonly fd: number;
  private readonly minLevel: LogLevel;

  constructor(
    readonly format: LogFormat,
    logFile: string | undefined,
    debug: boolean,
  ) {
    this.toStderr = logFile === undefined || logFile === '' || logFile === '/dev/stderr';
    // Append so a shim's log.json keeps every invocation's lines.
    this.fd = this.toStderr ? 2 : openSync(logFile!, 'a', 0o644);
    this.minLevel = debug ? 'debug' : 'info';
  }

  log(level: LogLevel, msg: string): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    try {
      appendFileSync(this.fd, formatLogLine(this.format, level, msg));
    } catch {
      // A broken log sink must not turn a successful operation into a failure.
    }
  }

  debug = (msg: string) => this.log('debug', msg);
  info = (msg: string) => this.log('info', msg);
  warn = (msg: string) => this.log('warning', msg);

  /** runc's fatal(): the error goes to the log, and also plainly to stderr when the log is a file. */
  fatal(msg: string): void {
    this.log('error', msg);
    if (!this.toStderr) process.stderr.write(`${msg}\n`);
  }
}
