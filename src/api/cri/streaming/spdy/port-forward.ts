// port-forward over SPDY, as the kubelet serves it: for each connection to
// forward, the client opens an error stream and a data stream with the same
// `requestid` and the `port`; once both are there the data stream is relayed
// to the port inside the pod's network namespace (the relay of
// ../port-forward.ts) and failures are written on the error stream. One SPDY
// connection carries any number of such pairs, one after another or at once.
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Engine } from '../../../../engine/api.js';
import { forwardError, podPid, spawnRelay, type PortForwardRequest } from '../port-forward.js';
import { RST } from './framing.js';
import type { SpdySession, SpdyStream } from './session.js';
import { upgradeSpdy } from './upgrade.js';

const PROTOCOL = 'portforward.k8s.io';
/** How long the first stream of a pair waits for the other (the kubelet's stream creation timeout). */
const PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function serveSpdyPortForward(engine: Engine, pf: PortForwardRequest, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const up = upgradeSpdy(req, socket, head, [PROTOCOL], PROTOCOL);
  if (!up) return;
  const { session } = up;
  const pairs = new Map<string, Pair>();
  const relays = new Set<ChildProcess>();
  session.onClose(() => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    for (const r of relays) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  });
  session.onStream((stream) => {
    const type = stream.header('streamtype');
    const port = Number(stream.header('port'));
    if ((type !== 'data' && type !== 'error') || !/^\d+$/.test(stream.header('port') ?? '') || port < 1 || port > 65535) return stream.reset(RST.REFUSED_STREAM);
    stream.reply();
    const id = requestId(stream, type);
    let pair = pairs.get(id);
    if (!pair) {
      const created: Pair = { timer: setTimeout(() => abandon(id, created, `timed out waiting for the other stream of request ${id}`), PAIR_TIMEOUT_MS) };
      pairs.set(id, (pair = created));
    }
    if (pair[type]) {
      pair.error?.write(Buffer.from(`request ${id} already has a ${type} stream`));
      return stream.reset(RST.PROTOCOL_ERROR);
    }
    pair[type] = stream;
    if (type === 'error') stream.listen(() => undefined);
    if (!pair.data || !pair.error) return;
    pairs.delete(id);
    clearTimeout(pair.timer);
    void forward(engine, session, pf, port, pair.data, pair.error, relays);
  });

  function abandon(id: string, pair: Pair, message: string): void {
    pairs.delete(id);
    pair.error?.write(Buffer.from(message));
    pair.error?.end();
    pair.data?.reset();
  }
}

/** Clients before requestid sent the error stream, then the data stream right after it. */
function requestId(stream: SpdyStream, type: 'data' | 'error'): string {
  return stream.header('requestid') ?? String(type === 'error' ? stream.id : stream.id - 2);
}

async function forward(engine: Engine, session: SpdySession, pf: PortForwardRequest, port: number, data: SpdyStream, error: SpdyStream, relays: Set<ChildProcess>): Promise<void> {
  const done = (message?: string) => {
    if (message) error.write(Buffer.from(message));
    error.end();
    data.end();
  };
  let pid: number;
  try {
    pid = await podPid(engine, pf);
  } catch (err) {
    return done(forwardError(port, pf, err));
  }
  if (data.isReset) return done();
  const relay = spawnRelay(pid, port);
  relays.add(relay);
  let stderr = '';
  // A slow client slows the pod's side down instead of filling memory.
  const stopDrain = session.onDrain(() => relay.stdout!.resume());
  relay.stdout!.on('data', (d: Buffer) => data.write(d) || relay.stdout!.pause());
  relay.stderr!.on('data', (d: Buffer) => (stderr += d));
  relay.stdin!.on('error', () => undefined);
  relay.on('error', (err) => (stderr += err.message));
  data.listen((d) => {
    if (d) relay.stdin!.write(d);
    else if (data.isReset) relay.kill('SIGKILL');
    else relay.stdin!.end();
  });
  relay.on('close', (code) => {
    relays.delete(relay);
    stopDrain();
    done(code === 0 ? undefined : forwardError(port, pf, stderr || `relay exited with ${code}`));
  });
}
