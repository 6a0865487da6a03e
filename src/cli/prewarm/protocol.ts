// The request a `gantry` front end (native/gantry-front/front.c) sends to a
// pre-warmed worker over its unix socket:
//   header: "GPW1" + body length (u32 little-endian), carrying the caller's
//           fds 0, 1 and 2 as SCM_RIGHTS;
//   body:   NUL-terminated strings: cwd, umask (octal), argc (decimal),
//           the arguments after the program name, then every environment entry.
// Worker → front end, one byte each: 'A' once the worker has adopted the request
// (before it the front end may still run the command itself), then 'E' + the
// exit code (0-255) when the command ends.
// Front end → worker: 'S' + a signal number for every signal the front end gets;
// the end of the connection means the front end is gone (the worker then dies
// with SIGKILL, as a command killed with its process would). A thread of the
// addon reads these (native/prewarm-addon), so a busy event loop cannot delay them.
export interface PrewarmRequest {
  cwd: string;
  umask: number;
  args: string[];
  env: Record<string, string>;
}

/** Set on globalThis by a worker before it loads the CLI bundle: the bundle then leaves running a command to the worker. */
export const WORKER_FLAG = Symbol.for('gantry.prewarm-worker');

export const ACK = 0x41; // 'A'
export const EXIT = 0x45; // 'E'

export function decodeRequest(body: Buffer): PrewarmRequest {
  const fields = body.toString('utf8').split('\0');
  if (fields.pop() !== '') throw new Error('prewarm request: body not NUL-terminated');
  const [cwd, umask, argc, ...rest] = fields;
  const count = Number(argc);
  if (!cwd || !/^[0-7]{1,4}$/.test(umask ?? '') || !Number.isInteger(count) || count < 0 || count > rest.length) {
    throw new Error('prewarm request: malformed header fields');
  }
  const env: Record<string, string> = {};
  for (const entry of rest.slice(count)) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { cwd, umask: parseInt(umask!, 8), args: rest.slice(0, count), env };
}
