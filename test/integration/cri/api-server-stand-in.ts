// A stand-in for the API server and kubelet in front of the streaming server,
// for tests that drive it with kubectl: it answers kubectl's discovery and pod
// lookup, and for an exec, attach or portforward upgrade gets a URL from the
// streaming server (as the kubelet calls the RPC) and proxies the raw upgraded
// connection to it (as the kubelet's upgrade-aware proxy does), whatever the
// protocol: WebSocket or SPDY/3.1.
import { createServer, type IncomingMessage } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { StreamingServer } from '../../../src/api/cri/streaming/server.js';

export const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

/** Pod p1 in namespace default: exec and portforward reach podId, attach reaches attachTo. */
export async function apiServerStandIn(server: StreamingServer, targets: { podId: string; attachTo: string }): Promise<{ url: string; close: () => Promise<void> }> {
  // kubectl's discovery, then its pod lookup
  const answers: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
    '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
    '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get'], shortNames: ['po'] }] },
    '/api/v1/namespaces/default/pods/p1': { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p1', namespace: 'default' }, spec: { containers: [{ name: 'c', stdin: true }] }, status: { phase: 'Running' } },
  };
  const api = createServer((req, res) => {
    const answer = answers[new URL(req.url ?? '/', 'http://x').pathname];
    if (answer) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer));
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 }));
    }
  });
  const sockets = new Set<Duplex>();
  api.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const flag = (n: string) => q.get(n) === 'true' || q.get(n) === '1';
    const streams = { tty: flag('tty'), stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') };
    const { url } = path.endsWith('/portforward')
      ? server.portForward({ pod_sandbox_id: targets.podId, port: [] })
      : path.endsWith('/attach')
        ? server.attach({ container_id: targets.attachTo, ...streams })
        : server.exec({ container_id: targets.podId, cmd: q.getAll('command'), ...streams });
    const target = new URL(url);
    const upstream = netConnect(Number(target.port), target.hostname, () => {
      const headers = Object.entries(req.headersDistinct).flatMap(([k, vs]) => (vs ?? []).map((v) => `${k}: ${v}`));
      upstream.write([`GET ${target.pathname} HTTP/1.1`, ...headers].join('\r\n') + '\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((res) => api.listen(0, '127.0.0.1', res));
  return {
    url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => api.close(() => res()));
    },
  };
}

function start(apiUrl: string, args: string[], env: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn('kubectl', ['--server', apiUrl, '--namespace', 'default', ...args], { env: { ...process.env, KUBECONFIG: '/dev/null', ...env } });
}

/** `env`: e.g. KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false for kubectl's SPDY path. */
export function kubectl(apiUrl: string, args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = start(apiUrl, args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `kubectl port-forward p1 :remotePort`, once it listens: the local port it chose, and its stop. */
export async function kubectlPortForward(apiUrl: string, remotePort: number, env: NodeJS.ProcessEnv = {}): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = start(apiUrl, ['port-forward', 'p1', `:${remotePort}`], env);
  const exited = new Promise<void>((res) => child.on('close', () => res()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    child.on('close', (code) => reject(new Error(`kubectl port-forward exited with ${code}: ${stderr}`)));
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { port, stop };
}
