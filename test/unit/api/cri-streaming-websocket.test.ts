// The streaming server's WebSocket framing, end to end over a socket pair:
// lengths of every size class, fragments, ping/pong, close, tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { acceptKey, WebSocket, type WebSocketMessage } from '../../../src/api/cri/streaming/websocket.js';
import { TokenCache } from '../../../src/api/cri/streaming/tokens.js';

async function pair(): Promise<{ server: WebSocket; client: WebSocket; clientSocket: Socket; done: () => void }> {
  const listener = createServer();
  await new Promise<void>((res) => listener.listen(0, '127.0.0.1', res));
  const port = (listener.address() as { port: number }).port;
  const accepted = new Promise<Socket>((res) => listener.once('connection', res));
  const clientSocket = connect(port, '127.0.0.1');
  const serverSocket = await accepted;
  return { server: new WebSocket(serverSocket, 'server'), client: new WebSocket(clientSocket, 'client'), clientSocket, done: () => listener.close() };
}

const next = (ws: WebSocket) => new Promise<WebSocketMessage>((res) => ws.onMessage(res));

test("the accept key is RFC 6455's example", () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('messages of 7-bit, 16-bit and 64-bit lengths arrive whole, both ways', async () => {
  const { server, client, done } = await pair();
  for (const size of [0, 125, 126, 65535, 65536, 300_000]) {
    const data = Buffer.alloc(size, size % 251);
    const got = next(server);
    client.send(data);
    assert.ok((await got).data.equals(data), `client to server, ${size} bytes`);
    const back = next(client);
    server.send(data, false);
    const m = await back;
    assert.equal(m.binary, false);
    assert.ok(m.data.equals(data), `server to client, ${size} bytes`);
  }
  const closed = new Promise<number>((res) => server.onClose(res));
  client.close(1000);
  assert.equal(await closed, 1000);
  done();
});

test('fragments are joined; a ping is answered between them; a masked client frame is unmasked', async () => {
  const { server, clientSocket, done } = await pair();
  const pong = new Promise<Buffer>((res) => clientSocket.once('data', res));
  const got = next(server);
  const mask = Buffer.of(1, 2, 3, 4);
  const masked = (s: string) => Buffer.from(Buffer.from(s).map((b, i) => b ^ mask[i & 3]!));
  // "hel" (binary, not final), ping "p", "lo" (continuation, final); all masked as a client must
  clientSocket.write(Buffer.concat([Buffer.of(0x02, 0x83), mask, masked('hel')]));
  clientSocket.write(Buffer.concat([Buffer.of(0x89, 0x81), mask, masked('p')]));
  clientSocket.write(Buffer.concat([Buffer.of(0x80, 0x82), mask, masked('lo')]));
  assert.deepEqual(await pong, Buffer.of(0x8a, 0x01, 0x70));
  assert.equal((await got).data.toString(), 'hello');
  clientSocket.destroy();
  done();
});

test('tokens: 8 URL-safe characters, single use, expiry, a bound on pending ones', () => {
  let now = 0;
  const cache = new TokenCache<string>(1000, 2, () => now);
  const a = cache.insert('a');
  assert.match(a, /^[A-Za-z0-9_-]{8}$/);
  assert.equal(cache.consume(a), 'a');
  assert.equal(cache.consume(a), undefined);
  const b = cache.insert('b');
  cache.insert('c');
  assert.throws(() => cache.insert('d'), /maximum number of in-flight requests exceeded/);
  now = 1000;
  assert.equal(cache.consume(b), undefined);
  // expired ones no longer count against the bound
  cache.insert('e');
  cache.insert('f');
});
