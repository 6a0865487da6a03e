// exec and attach over numbered channels (a WebSocket's, or SPDY streams named
// as channels): output to stdout/stderr, stdin and resize from the client, and
// the command's end as a status on the error channel.
import type { Engine, IOSession } from '../../../engine/api.js';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, type Channels } from './channels.js';
import { internalError, nonZeroExit, success, type Status } from './status.js';

/** CRI ExecRequest's fields (snake_case, as the gRPC server receives them). */
export interface ExecRequest {
  container_id: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** CRI AttachRequest's fields. */
export interface AttachRequest {
  container_id: string;
  stdin: boolean;
  tty: boolean;
  stdout: boolean;
  stderr: boolean;
}

interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** A started session and what the channels drive on it. */
interface Target {
  session: IOSession;
  resize(height: number, width: number): Promise<void>;
  /** The status to report once the session has ended. */
  finalStatus(ended: number | undefined): Promise<Status>;
}

export async function serveExec(engine: Engine, req: ExecRequest, stream: Channels): Promise<void> {
  await serve(stream, req, async () => {
    const { Id } = await engine.exec.create(req.container_id, { Cmd: req.cmd, Tty: req.tty, AttachStdin: req.stdin, AttachStdout: req.stdout, AttachStderr: req.stderr });
    const session = await engine.exec.start(Id, { Tty: req.tty });
    if (!session) throw new Error('exec start returned no session');
    return {
      session,
      resize: (h, w) => engine.exec.resize(Id, h, w),
      async finalStatus(ended) {
        const code = ended ?? (await engine.exec.inspect(Id)).ExitCode ?? 0;
        return code === 0 ? success() : nonZeroExit(req.cmd, code);
      },
    };
  }, 'error executing command in container');
}

export async function serveAttach(engine: Engine, req: AttachRequest, stream: Channels): Promise<void> {
  await serve(stream, req, async () => ({
    session: await engine.containers.attach(req.container_id, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr }),
    resize: (h, w) => engine.containers.resize(req.container_id, h, w),
    finalStatus: async () => success(),
  }), 'error attaching to container');
}

async function serve(stream: Channels, opts: StreamOptions, start: () => Promise<Target>, failure: string): Promise<void> {
  // Listening before the session exists: what the client sends meanwhile waits for it.
  const started = start();
  let clientGone = false;
  // In the client's order: input sent after a resize reaches a process that has the new size.
  let inbound: Promise<unknown> = started.catch(() => undefined);
  const onTarget = (fn: (t: Target) => unknown) => {
    inbound = inbound.then(() => started.then(fn, () => undefined));
  };
  stream.onData((channel, data) => {
    if (channel === STDIN && opts.stdin) onTarget((t) => t.session.writeStdin(data));
    else if (channel === RESIZE) onTarget((t) => resizeFrom(data, t));
    else if (channel === CLOSE && stream.protocol.closeSignal && data[0] === STDIN && opts.stdin) onTarget((t) => t.session.closeStdin());
  });
  stream.onClose(() => {
    // The client is gone: its stdin ends, and nothing is relayed any more.
    clientGone = true;
    onTarget((t) => {
      if (opts.stdin) t.session.closeStdin();
      t.session.close();
    });
  });
  // The kubelet's "connection established" signal: an empty message on the lowest writable channel.
  stream.send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, Buffer.alloc(0));
  let target: Target;
  try {
    target = await started;
  } catch (err) {
    writeStatus(stream, internalError(failure, err));
    return stream.close();
  }
  target.session.onOutput((fd, data) => {
    if (fd === 1 && opts.stdout) stream.send(STDOUT, data);
    else if (fd === 2 && opts.stderr) stream.send(STDERR, data);
  });
  const ended = await target.session.ended;
  if (clientGone) return;
  writeStatus(stream, await target.finalStatus(ended).catch((err: unknown) => internalError(failure, err)));
  stream.close();
}

async function resizeFrom(data: Buffer, target: Target): Promise<void> {
  let size: { Width?: unknown; Height?: unknown };
  try {
    size = JSON.parse(data.toString()) as typeof size;
  } catch {
    return;
  }
  // A resize for a process that just exited is no error worth reporting.
  if (typeof size.Width === 'number' && typeof size.Height === 'number') await target.resize(size.Height, size.Width).catch(() => undefined);
}

function writeStatus(stream: Channels, status: Status): void {
  if (stream.protocol.statusJSON) stream.send(ERROR, Buffer.from(JSON.stringify(status)));
  else if (status.status !== 'Success') stream.send(ERROR, Buffer.from(status.message ?? 'unknown error'));
}
