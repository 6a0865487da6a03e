// The CRI streaming server over a local engine, opened as the kubelet's
// clients open it: a WebSocket with the Kubernetes channel subprotocols.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Gantry, removeRootfsCache } from '../cli/gantry-harness.js';
import { openLocalEngine } from '../../../src/engine/local/index.js';
import type { Engine } from '../../../src/engine/api.js';
import { createStreamingServer, type StreamingServer } from '../../../src/api/cri/streaming/server.js';
import { WebSocket } from '../../../src/api/cri/streaming/websocket.js';
import { apiServerStandIn, hasKubectl, kubectl } from './api-server-stand-in.js';

let g: Gantry;
let engine: Engine;
let server: StreamingServer;
let podId: string;

before(async () => {
  g = await Gantry.create();
  const r = await g.run(['run', '-d', '--name', 'st1', 'busybox', 'sh', '-c', 'mkdir /www; echo hello from httpd > /www/index.html; exec httpd -f -p 8080 -h /www']);
  assert.equal(r.code, 0, r.stderr);
  podId = r.stdout.trim();
  engine = await openLocalEngine({ root: g.root, runroot: g.runroot });
  server = await createStreamingServer(engine);
});
after(async () => {
  await server?.close();
  await engine?.close();
  await g?.cleanup();
  await removeRootfsCache();
});

/** A test's WebSocket client: messages by channel, and the end of the stream. */
class Client {
  readonly channels = new Map<number, Buffer[]>();
  readonly order: number[] = [];
  /** Every message as received, for the base64 protocols. */
  readonly raw: string[] = [];
  readonly closed: Promise<void>;
  private readonly waiters: (() => void)[] = [];
  private isClosed = false;
  constructor(
    readonly ws: WebSocket,
    readonly protocol: string,
  ) {
    ws.onMessage((m) => {
      this.raw.push(`${m.binary}:${m.data}`);
      const ch = m.data[0]!;
      this.order.push(ch);
      this.channels.set(ch, [...(this.channels.get(ch) ?? []), m.data.subarray(1)]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((res) =>
      ws.onClose(() => {
        this.isClosed = true;
        for (const w of this.waiters.splice(0)) w();
        res();
      }),
    );
  }
  text(ch: number): string {
    return Buffer.concat(this.channels.get(ch) ?? []).toString();
  }
  send(ch: number, data: string | Buffer): void {
    this.ws.send(Buffer.concat([Buffer.of(ch), Buffer.from(data)]));
  }
  /** Resolves once the channel's text satisfies the test. */
  async until(ch: number, ok: (text: string) => boolean): Promise<void> {
    while (!ok(this.text(ch))) {
      assert.ok(!this.isClosed, `closed before channel ${ch} was as expected: ${JSON.stringify(this.text(ch))}`);
      await new Promise<void>((res) => this.waiters.push(res));
    }
  }
  status(): unknown {
    return JSON.parse(this.text(3));
  }
}

/** Opens a URL with a WebSocket upgrade: the client, or the HTTP status of a refusal. */
function open(url: string, protocols: string[]): Promise<Client | number> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const req = request(url, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Protocol': protocols.join(', ') } });
    req.on('upgrade', (res, socket: Duplex, head) => resolve(new Client(new WebSocket(socket, 'client', head), String(res.headers['sec-websocket-protocol'] ?? ''))));
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function openClient(url: string, protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io']): Promise<Client> {
  const c = await open(url, protocols);
  assert.ok(c instanceof Client, `upgrade refused: ${c}`);
  return c;
}

const exec = (cmd: string[], o: { tty?: boolean; stdin?: boolean; stderr?: boolean } = {}) =>
  server.exec({ container_id: podId, cmd, tty: o.tty ?? false, stdin: o.stdin ?? false, stdout: true, stderr: o.stderr ?? !o.tty });

test('exec echo: stdout, then the Success status on the error channel', async () => {
  const { url } = exec(['echo', 'hi']);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{8}$/);
  const c = await openClient(url);
  assert.equal(c.protocol, 'v5.channel.k8s.io');
  await c.closed;
  assert.equal(c.text(1), 'hi\n');
  assert.deepEqual(c.status(), { metadata: {}, status: 'Success' });
  // the connection-established signal first, the status last
  assert.equal(c.order[0], 1);
  assert.equal(c.order.at(-1), 3);
});

test('exec with a non-zero exit: the NonZeroExitCode status; v4 is negotiated when offered first', async () => {
  const c = await openClient(exec(['sh', '-c', 'echo oops >&2; exit 3']).url, ['v4.channel.k8s.io', 'v5.channel.k8s.io']);
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  await c.closed;
  assert.equal(c.text(2), 'oops\n');
  assert.deepEqual(c.status(), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: error executing command [sh -c echo oops >&2; exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});

test('exec with stdin: data on channel 0, v5 close of stdin ends cat', async () => {
  const c = await openClient(exec(['cat'], { stdin: true }).url, ['v5.channel.k8s.io']);
  c.send(0, 'piped\n');
  await c.until(1, (t) => t === 'piped\n');
  c.send(255, Buffer.of(0));
  await c.closed;
  assert.equal(c.text(1), 'piped\n');
  assert.deepEqual(c.status(), { metadata: {}, status: 'Success' });
});

test('exec with a tty: a resize on channel 4 reaches the pty before the input that follows it', async () => {
  const c = await openClient(exec(['sh', '-c', 'read x; stty size'], { tty: true, stdin: true }).url);
  c.send(4, JSON.stringify({ Width: 120, Height: 40 }));
  c.send(0, 'go\r');
  await c.closed;
  assert.match(c.text(1), /40 120\r\n/);
  assert.deepEqual(c.status(), { metadata: {}, status: 'Success' });
  assert.throws(() => exec(['true'], { tty: true, stderr: true }), /tty and stderr cannot both be true/);
});

test('exec errors: an unknown container reports an InternalError status; the pre-v4 protocol gets text', async () => {
  const bad = await openClient(server.exec({ container_id: 'nope', cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: true }).url);
  await bad.closed;
  const s = bad.status() as { status: string; reason: string; code: number; message: string };
  assert.deepEqual([s.status, s.reason, s.code], ['Failure', 'InternalError', 500]);
  assert.match(s.message, /No such container: nope/);

  // base64: text messages, the channel as a digit
  const b64 = await open(exec(['echo', 'hi']).url, ['v4.base64.channel.k8s.io']);
  assert.ok(b64 instanceof Client);
  assert.equal(b64.protocol, 'v4.base64.channel.k8s.io');
  await b64.closed;
  const texts = b64.raw;
  assert.deepEqual(texts.slice(0, 2), ['false:1', `false:1${Buffer.from('hi\n').toString('base64')}`]);
  assert.equal(texts.at(-1), `false:3${Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' })).toString('base64')}`);

  const v1 = await openClient(exec(['sh', '-c', 'exit 5']).url, ['channel.k8s.io']);
  assert.equal(v1.protocol, 'channel.k8s.io');
  await v1.closed;
  assert.match(v1.text(3), /^command terminated with non-zero exit code: .*exit code 5$/);
});

test('attach: stdin to and output from a running container, Success when it exits', async () => {
  const r = await g.run(['run', '-d', '-i', '--name', 'att1', 'busybox', 'sh', '-c', 'echo ready; read x; echo got $x']);
  assert.equal(r.code, 0, r.stderr);
  const c = await openClient(server.attach({ container_id: 'att1', stdin: true, stdout: true, stderr: true, tty: false }).url);
  c.send(0, 'hello\n');
  await c.closed;
  assert.match(c.text(1), /got hello\n$/);
  assert.deepEqual(c.status(), { metadata: {}, status: 'Success' });
});

test('port-forward: an HTTP request through the tunnel to httpd in the pod network namespace', async () => {
  const { url } = server.portForward({ pod_sandbox_id: podId, port: [] });
  const c = await openClient(`${url}?port=8080`, ['v4.channel.k8s.io']);
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  // the first message on both channels of the port is its number, little-endian
  await c.until(1, (t) => t.length >= 2);
  assert.deepEqual(c.channels.get(1)![0], Buffer.of(8080 & 0xff, 8080 >> 8));
  await c.until(0, (t) => t.length >= 2);
  c.send(0, 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');
  await c.closed;
  const data = Buffer.concat(c.channels.get(0)!);
  assert.deepEqual(data.subarray(0, 2), Buffer.of(8080 & 0xff, 8080 >> 8));
  const response = data.subarray(2).toString();
  assert.match(response, /^HTTP\/1\.[01] 200 OK\r\n/);
  assert.match(response, /hello from httpd\n$/);
  assert.equal(c.channels.get(1)!.length, 1, 'no error after the port number');

  // a closed port: the error channel says so
  const closed = await openClient(`${server.portForward({ pod_sandbox_id: podId, port: [] }).url}?port=9`, ['v4.channel.k8s.io']);
  await closed.closed;
  assert.match(closed.text(1).slice(2), /^error forwarding port 9 to pod [0-9a-f]+: .*ECONNREFUSED/);
  // ports from the CRI request when the query names none; none at all is a 400
  const fromRequest = await openClient(server.portForward({ pod_sandbox_id: podId, port: [8080] }).url, ['v4.channel.k8s.io']);
  fromRequest.send(0, 'GET / HTTP/1.0\r\n\r\n');
  await fromRequest.closed;
  assert.match(fromRequest.text(0), /hello from httpd\n$/);
  assert.equal(await open(server.portForward({ pod_sandbox_id: podId, port: [] }).url, ['v4.channel.k8s.io']), 400);
});

test('tokens: single use, 404 for unknown ones, expired after their TTL', async () => {
  const { url } = exec(['true']);
  const c = await openClient(url);
  await c.closed;
  assert.equal(await open(url, ['v5.channel.k8s.io']), 404);
  assert.equal(await open(`${server.baseUrl}/exec/AAAAAAAA`, ['v5.channel.k8s.io']), 404);
  assert.equal(await open(url.replace('/exec/', '/attach/'), ['v5.channel.k8s.io']), 404);

  let clock = 0;
  const timed = await createStreamingServer(engine, { now: () => clock, maxPending: 2 });
  try {
    const stale = timed.exec({ container_id: podId, cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: false }).url;
    clock += 60_001;
    assert.equal(await open(stale, ['v5.channel.k8s.io']), 404);
    timed.attach({ container_id: podId, stdin: false, stdout: true, stderr: false, tty: false });
    timed.attach({ container_id: podId, stdin: false, stdout: true, stderr: false, tty: false });
    assert.throws(() => timed.attach({ container_id: podId, stdin: false, stdout: true, stderr: false, tty: false }), /maximum number of in-flight requests exceeded/);
  } finally {
    await timed.close();
  }
});


test('kubectl exec and attach through an API server stand-in: output, stdin, the exit code', { skip: !hasKubectl && 'kubectl is not installed' }, async () => {
  const api = await apiServerStandIn(server, { podId, attachTo: 'att2' });
  try {
    const hi = await kubectl(api.url, ['exec', 'p1', '--', 'echo', 'hi'], '');
    assert.deepEqual([hi.code, hi.stdout], [0, 'hi\n'], hi.stderr);
    const cat = await kubectl(api.url, ['exec', '-i', 'p1', '--', 'cat'], 'through kubectl\n');
    assert.deepEqual([cat.code, cat.stdout], [0, 'through kubectl\n'], cat.stderr);
    const exit3 = await kubectl(api.url, ['exec', 'p1', '--', 'sh', '-c', 'echo bad >&2; exit 3'], '');
    assert.equal(exit3.code, 3, exit3.stderr);
    assert.match(exit3.stderr, /^bad\ncommand terminated with exit code 3\n$/);

    const r = await g.run(['run', '-d', '-i', '--name', 'att2', 'busybox', 'sh', '-c', 'read x; echo got $x']);
    assert.equal(r.code, 0, r.stderr);
    const attach = await kubectl(api.url, ['attach', '-i', 'p1'], 'kube\n');
    assert.deepEqual([attach.code, attach.stdout], [0, 'got kube\n'], attach.stderr);
  } finally {
    await api.close();
  }
});
