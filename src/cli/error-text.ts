// What the CLI prints for a failure: one line naming the cause, never a stack
// (GANTRY_DEBUG=1 or -D adds it). A failed system call reads as Go's errors do
// in docker's output ("open /var/lib/gantry/x: permission denied"), and a
// permission error of a non-root caller says that gantry needs root (unless
// it says whom to run as already: the store's own access error).

/** libuv's text for an errno code ("no space left on device"), taken from Node's message. */
function strerror(err: NodeJS.ErrnoException): string {
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message);
  return m?.[1] ?? err.code ?? 'unknown error';
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException & { syscall: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** The one-line message for an error of any kind. */
export function errorText(err: unknown): string {
  let text: string;
  if (isSystemError(err)) {
    const e = err as NodeJS.ErrnoException & { dest?: string };
    text = `${e.syscall}${e.path ? ` ${e.path}` : ''}${e.dest ? ` ${e.dest}` : ''}: ${strerror(e)}`;
  } else if (err instanceof Error) {
    text = err.message || err.name;
  } else {
    text = String(err);
  }
  text = text.replace(/\s*\n\s*/g, ' ').trim();
  const euid = process.geteuid?.();
  if (euid !== undefined && euid !== 0 && !/run gantry as its owner/.test(text) && /permission denied|operation not permitted|\bEACCES\b|\bEPERM\b/i.test(text)) {
    text += ` (gantry needs root; running as uid ${euid})`;
  }
  return text;
}

/** The stack under the message, for debugging (each cause's too). */
export function errorStack(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined && parts.length < 8; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (!(e instanceof Error)) break;
  }
  return parts.join('\ncaused by: ');
}
