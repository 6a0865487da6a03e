// exec and attach over SPDY, as the kubelet serves them: the client opens one
// stream per channel, naming it in the `streamtype` header; once every stream
// the request calls for is there (error always; stdin, stdout, stderr as
// requested; resize with a tty from v3 on), the session runs on the shared
// channel core (../remote-command.ts) with the streams as its channels.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../../../engine/api.js';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, type ChannelProtocol, type Channels } from '../channels.js';
import { serveAttach, serveExec, type AttachRequest, type ExecRequest } from '../remote-command.js';
import { RST } from './framing.js';
import type { SpdySession, SpdyStream } from './session.js';
import { upgradeSpdy } from './upgrade.js';

interface Version {
  name: string;
  /** v4: the error stream carries a metav1.Status; before, a text message and nothing on success. */
  statusJSON: boolean;
  /** v3+: a tty has a resize stream. */
  resize: boolean;
}

/** The client's order decides among these. */
const VERSIONS: Version[] = [
  { name: 'v4.channel.k8s.io', statusJSON: true, resize: true },
  { name: 'v3.channel.k8s.io', statusJSON: false, resize: true },
  { name: 'v2.channel.k8s.io', statusJSON: false, resize: false },
  { name: 'channel.k8s.io', statusJSON: false, resize: false },
];
const LEGACY = 'channel.k8s.io';

const STREAM_TYPES = new Map([
  ['error', ERROR],
  ['stdin', STDIN],
  ['stdout', STDOUT],
  ['stderr', STDERR],
  ['resize', RESIZE],
]);

/** The kubelet's default wait for the client's streams. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

type RemoteCommand = { kind: 'exec'; req: ExecRequest } | { kind: 'attach'; req: AttachRequest };

export function serveSpdyRemoteCommand(engine: Engine, command: RemoteCommand, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const up = upgradeSpdy(req, socket, head, VERSIONS.map((v) => v.name), LEGACY);
  if (!up) return;
  const version = VERSIONS.find((v) => v.name === up.protocol)!;
  const { session } = up;
  const opts = command.req;
  // A tty has no stderr: the RPC refuses tty with stderr.
  const expected = new Set([ERROR]);
  if (opts.stdin) expected.add(STDIN);
  if (opts.stdout) expected.add(STDOUT);
  if (opts.stderr) expected.add(STDERR);
  if (opts.tty && version.resize) expected.add(RESIZE);
  const streams = new Map<number, SpdyStream>();
  const timer = setTimeout(() => session.close(), STREAM_CREATION_TIMEOUT_MS);
  session.onClose(() => clearTimeout(timer));
  session.onStream((stream) => {
    const channel = STREAM_TYPES.get(stream.header('streamtype') ?? '');
    if (channel === undefined || !expected.has(channel) || streams.has(channel)) return stream.reset(RST.REFUSED_STREAM);
    stream.reply();
    streams.set(channel, stream);
    if (streams.size < expected.size) return;
    clearTimeout(timer);
    const channels = new StreamChannels(session, streams, { name: version.name, base64: false, statusJSON: version.statusJSON, closeSignal: true });
    if (command.kind === 'exec') void serveExec(engine, command.req, channels);
    else void serveAttach(engine, command.req, channels);
  });
}

/** SPDY streams as the core's numbered channels. */
class StreamChannels implements Channels {
  constructor(
    private readonly session: SpdySession,
    private readonly streams: Map<number, SpdyStream>,
    readonly protocol: ChannelProtocol,
  ) {}

  send(channel: number, data: Buffer): boolean {
    // The WebSocket's empty "connection established" message has no SPDY counterpart: the replies were it.
    if (data.length === 0) return true;
    return this.streams.get(channel)?.write(data) ?? true;
  }

  onDrain(fn: () => void): void {
    this.session.onDrain(fn);
  }

  onData(fn: (channel: number, data: Buffer) => void): void {
    for (const [channel, stream] of this.streams) {
      if (channel === STDIN) stream.listen((d) => (d ? fn(STDIN, d) : fn(CLOSE, Buffer.of(STDIN))));
      else if (channel === RESIZE) stream.listen(jsonLines((line) => fn(RESIZE, line)));
      else stream.listen(() => undefined);
    }
  }

  onClose(fn: () => void): void {
    this.session.onClose(fn);
  }

  close(): void {
    for (const s of this.streams.values()) s.end();
    this.session.close();
  }
}

/** A resize line longer than this is no size: it is dropped. */
const MAX_RESIZE_LINE = 4096;

/** The resize stream's JSON objects, one per line (as Go's json.Encoder writes them), whatever the DATA frames' cuts. */
function jsonLines(fn: (line: Buffer) => void): (data: Buffer | null) => void {
  let partial = Buffer.alloc(0);
  return (data) => {
    if (!data) return;
    partial = Buffer.concat([partial, data]);
    if (partial.length > MAX_RESIZE_LINE && partial.indexOf(0x0a) < 0) partial = Buffer.alloc(0);
    for (let nl = partial.indexOf(0x0a); nl >= 0; nl = partial.indexOf(0x0a)) {
      const line = partial.subarray(0, nl);
      partial = partial.subarray(nl + 1);
      if (line.length) fn(line);
    }
  };
}
