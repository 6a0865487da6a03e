// port-forward over the channel protocol: for the i-th requested port, channel
// 2i carries the data and 2i+1 errors; each starts with the port number (2
// bytes, little-endian), as the kubelet's websocket port forwarder sends it.
// The connection is made to 127.0.0.1:<port> inside the pod's network
// namespace by a relay process started there with nsenter: Node cannot setns
// itself, and a one-line Node relay needs nothing beyond util-linux. The SPDY
// transport (spdy/port-forward.ts) uses the same relay.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Engine } from '../../../engine/api.js';
import { failedPrecondition } from '../../../errdefs/index.js';
import type { ChannelStream } from './channels.js';

/** CRI PortForwardRequest's fields. */
export interface PortForwardRequest {
  pod_sandbox_id: string;
  port: number[];
}

// Connects, then copies stdin to the socket (half-closing it on EOF) and the socket to stdout.
const RELAY = `const s=require('node:net').connect(+process.argv[1],'127.0.0.1');
s.on('error',(e)=>{process.stderr.write(e.message);process.exit(1)});
s.on('connect',()=>{process.stdin.pipe(s);s.pipe(process.stdout)});
s.on('close',()=>process.exit(0));`;

/** The ports of the request's query (kubelet: repeated or comma-separated `port`), else the CRI request's. */
export function portsOf(query: URLSearchParams, req: PortForwardRequest): number[] | string {
  const given = [...query.getAll('port'), ...query.getAll('ports')];
  if (given.length === 0) return req.port.length ? req.port : 'query parameter "port" is required';
  const ports: number[] = [];
  for (const value of given) {
    if (!value) return 'query parameter "port" cannot be empty';
    for (const p of value.split(',')) {
      const port = Number(p);
      if (!/^\d+$/.test(p) || port < 1 || port > 65535) return `unable to parse "${p}" as a port: port must be 1-65535`;
      ports.push(port);
    }
  }
  return ports;
}

export async function servePortForward(engine: Engine, req: PortForwardRequest, ports: number[], stream: ChannelStream): Promise<void> {
  const portBytes = (port: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(port);
    return b;
  };
  ports.forEach((port, i) => {
    stream.send(2 * i, portBytes(port));
    stream.send(2 * i + 1, portBytes(port));
  });
  // Listening before the relays exist: what the client sends meanwhile waits for them.
  let relays: ChildProcess[] | undefined;
  const early: { channel: number; data: Buffer }[] = [];
  const toRelay = (channel: number, data: Buffer) => {
    const relay = channel % 2 === 0 ? relays?.[channel / 2] : undefined;
    if (relay?.stdin?.writable) relay.stdin.write(data);
  };
  stream.onData((channel, data) => (relays ? toRelay(channel, data) : early.push({ channel, data })));
  let clientGone = false;
  stream.onClose(() => {
    clientGone = true;
    relays?.forEach((r) => r.exitCode === null && r.kill('SIGKILL'));
  });
  let pid: number;
  try {
    pid = await podPid(engine, req);
  } catch (err) {
    ports.forEach((port, i) => stream.send(2 * i + 1, Buffer.from(forwardError(port, req, err))));
    return stream.close();
  }
  if (clientGone) return;
  relays = ports.map((port) => spawnRelay(pid, port));
  let open = relays.length;
  relays.forEach((relay, i) => {
    let stderr = '';
    // A slow client slows the pod's side down instead of filling memory.
    relay.stdout!.on('data', (d: Buffer) => stream.send(2 * i, d) || relay.stdout!.pause());
    stream.onDrain(() => relay.stdout!.resume());
    relay.stderr!.on('data', (d: Buffer) => (stderr += d));
    relay.stdin!.on('error', () => undefined);
    relay.on('error', (err) => (stderr += err.message));
    relay.on('close', (code) => {
      if (code !== 0) stream.send(2 * i + 1, Buffer.from(forwardError(ports[i]!, req, stderr || `relay exited with ${code}`)));
      if (--open === 0) stream.close();
    });
  });
  for (const m of early.splice(0)) toRelay(m.channel, m.data);
}

/** A process in the pod's network namespace; throws when the pod is not running. */
export async function podPid(engine: Engine, req: PortForwardRequest): Promise<number> {
  const info = await engine.containers.inspect(req.pod_sandbox_id);
  if (!info.State.Running || !info.State.Pid) throw failedPrecondition(`container ${info.Id} is not running`);
  return info.State.Pid;
}

/** Connects to 127.0.0.1:port in pid's network namespace: stdin to the connection (EOF half-closes it), the connection to stdout. */
export function spawnRelay(pid: number, port: number): ChildProcess {
  return spawn('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', RELAY, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
}

export function forwardError(port: number, req: PortForwardRequest, err: unknown): string {
  return `error forwarding port ${port} to pod ${req.pod_sandbox_id}: ${err instanceof Error ? err.message : String(err)}`;
}
