// The streaming server's SPDY/3.1 layer without containers: frames to bytes
// and back, the zlib header blocks with the SPDY/3 dictionary, and a session
// over a socket pair driven by raw frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { constants, inflateSync } from 'node:zlib';
import { decodeFrame, encodeFrame, GOAWAY, RST, SpdyProtocolError, type Frame } from '../../../src/api/cri/streaming/spdy/framing.js';
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompression, type Headers } from '../../../src/api/cri/streaming/spdy/header-block.js';
import { SPDY3_DICTIONARY } from '../../../src/api/cri/streaming/spdy/dictionary.js';
import { SpdySession } from '../../../src/api/cri/streaming/spdy/session.js';

const frames: Frame[] = [
  { type: 'data', streamId: 7, fin: false, data: Buffer.from('payload') },
  { type: 'data', streamId: 0x7fffffff, fin: true, data: Buffer.alloc(0) },
  { type: 'syn_stream', streamId: 3, associatedId: 1, priority: 5, fin: true, unidirectional: true, headerBlock: Buffer.from([1, 2, 3]) },
  { type: 'syn_reply', streamId: 3, fin: false, headerBlock: Buffer.from([4, 5]) },
  { type: 'headers', streamId: 9, fin: true, headerBlock: Buffer.alloc(0) },
  { type: 'rst_stream', streamId: 5, status: RST.CANCEL },
  { type: 'settings', entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 0xffffffff }] },
  { type: 'ping', id: 0xfffffffe },
  { type: 'goaway', lastGoodStreamId: 11, status: GOAWAY.PROTOCOL_ERROR },
  { type: 'window_update', streamId: 0, delta: 0x7fffffff },
];

test('every frame type survives encode and decode; frames decode one after another from one buffer', () => {
  const wire = Buffer.concat(frames.map(encodeFrame));
  let rest = wire;
  for (const f of frames) {
    const d = decodeFrame(rest);
    assert.ok(d);
    assert.deepEqual(d.frame, f);
    rest = rest.subarray(d.size);
  }
  assert.equal(rest.length, 0);
});

test('the wire layout: control bit, version 3, type, flags and 24-bit length; data frames lead with the stream id', () => {
  assert.deepEqual(encodeFrame({ type: 'ping', id: 1 }), Buffer.from('800300060000000400000001', 'hex'));
  assert.deepEqual(encodeFrame({ type: 'data', streamId: 5, fin: true, data: Buffer.from('ab') }), Buffer.from('00000005010000026162', 'hex'));
  assert.deepEqual(encodeFrame({ type: 'rst_stream', streamId: 1, status: RST.REFUSED_STREAM }), Buffer.from('80030003000000080000000100000003', 'hex'));
  // an unknown control type is passed up to be ignored
  assert.deepEqual(decodeFrame(Buffer.from('8003000a00000000', 'hex'))?.frame, { type: 'unknown', controlType: 10 });
});

test('an incomplete frame waits for more; a bad version or length is a protocol error', () => {
  const ping = encodeFrame({ type: 'ping', id: 1 });
  for (let n = 0; n < ping.length; n++) assert.equal(decodeFrame(ping.subarray(0, n)), undefined);
  assert.throws(() => decodeFrame(Buffer.from('800200060000000400000001', 'hex')), SpdyProtocolError);
  assert.throws(() => decodeFrame(Buffer.from('80030003000000040000000100', 'hex')), SpdyProtocolError);
  assert.throws(() => encodeFrame({ type: 'data', streamId: 1, fin: false, data: Buffer.alloc(0x1000000) }), RangeError);
});

test('the dictionary is the 1423-byte SPDY/3 one', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith(',*,enq=0.'));
});

const headers = (o: Record<string, string[]>): Headers => new Map(Object.entries(o));

test('header blocks: counts and lengths, several values NUL-separated, names lowercase', () => {
  const block = encodeHeaderBlock(headers({ StreamType: ['stdin'], port: ['80', '81'] }));
  assert.deepEqual(block, Buffer.concat([Buffer.from('00000002', 'hex'), Buffer.from('0000000a', 'hex'), Buffer.from('streamtype'), Buffer.from('00000005', 'hex'), Buffer.from('stdin'), Buffer.from('00000004', 'hex'), Buffer.from('port'), Buffer.from('00000005', 'hex'), Buffer.from('80\x0081')]));
  assert.deepEqual(decodeHeaderBlock(block), headers({ streamtype: ['stdin'], port: ['80', '81'] }));
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), SpdyProtocolError);
  assert.throws(() => decodeHeaderBlock(Buffer.concat([block, Buffer.of(0)])), SpdyProtocolError);
});

test('header compression: one deflate context feeds one inflate context block after block, from the SPDY dictionary', async () => {
  const sender = new HeaderCompression();
  const receiver = new HeaderCompression();
  try {
    const blocks = [headers({ streamtype: ['error'], port: ['8080'], requestid: ['0'] }), headers({ streamtype: ['data'], port: ['8080'], requestid: ['0'] }), new Map(), headers({ 'x-big': ['v'.repeat(100_000)] })];
    const compressed: Buffer[] = [];
    for (const h of blocks) {
      const c = await sender.compress(h);
      compressed.push(c);
      assert.deepEqual(await receiver.decompress(c), h);
    }
    // zlib's header names the dictionary by its Adler-32 (FDICT set)
    assert.equal(compressed[0]![1]! & 0x20, 0x20);
    assert.equal(compressed[0]!.readUInt32BE(2), 0xe3c6a7c2);
    // the context carries over: the second, similar block refers back to the first
    assert.ok(compressed[1]!.length < compressed[0]!.length, `${compressed[1]!.length} < ${compressed[0]!.length}`);
    // and the whole is one zlib stream any inflater with the dictionary reads
    const all = inflateSync(Buffer.concat(compressed), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    assert.deepEqual(all, Buffer.concat(blocks.map(encodeHeaderBlock)));
    // a block that is not zlib data fails, as a protocol error
    await assert.rejects(new HeaderCompression().decompress(Buffer.from('not zlib')), SpdyProtocolError);
  } finally {
    sender.close();
    receiver.close();
  }
});

/** A raw SPDY peer on a socket: frames out, frames in (header blocks decompressed). */
class RawClient {
  readonly compression = new HeaderCompression();
  private buffered = Buffer.alloc(0);
  private readonly got: (Frame & { headers?: Headers })[] = [];
  private waiter: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  ended = false;
  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      for (let d = decodeFrame(this.buffered); d; d = decodeFrame(this.buffered)) {
        this.buffered = this.buffered.subarray(d.size);
        const { frame } = d;
        this.chain = this.chain.then(async () => {
          const headers = 'headerBlock' in frame ? await this.compression.decompress(frame.headerBlock) : undefined;
          this.got.push({ ...frame, headers });
          this.waiter?.();
        });
      }
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiter?.();
    });
  }
  send(f: Frame): void {
    this.socket.write(encodeFrame(f));
  }
  async open(streamId: number, h: Headers, fin = false): Promise<void> {
    this.send({ type: 'syn_stream', streamId, associatedId: 0, priority: 0, fin, unidirectional: false, headerBlock: await this.compression.compress(h) });
  }
  /** The next frame the server sent. */
  async next(): Promise<Frame & { headers?: Headers }> {
    while (this.got.length === 0) {
      assert.ok(!this.ended, 'the server ended the connection');
      await new Promise<void>((res) => (this.waiter = res));
    }
    return this.got.shift()!;
  }
}

async function sessionPair(): Promise<{ session: SpdySession; client: RawClient; done: () => void }> {
  const listener = createServer();
  await new Promise<void>((res) => listener.listen(0, '127.0.0.1', res));
  const accepted = new Promise<Socket>((res) => listener.once('connection', res));
  const socket = connect((listener.address() as { port: number }).port, '127.0.0.1');
  const session = new SpdySession(await accepted);
  const client = new RawClient(socket);
  return {
    session,
    client,
    done: () => {
      socket.destroy();
      client.compression.close();
      listener.close();
    },
  };
}

test('a session: PING echoed, SETTINGS ignored, a stream replied, its data echoed back, windows reopened, FIN both ways, GOAWAY', async () => {
  const { session, client, done } = await sessionPair();
  try {
    const seen: string[] = [];
    session.onStream((s) => {
      seen.push(s.header('streamtype') ?? '');
      if (s.header('streamtype') === 'refuse') return s.reset(RST.REFUSED_STREAM);
      s.reply();
      s.listen((d) => (d ? s.write(d) : s.end()));
    });
    client.send({ type: 'settings', entries: [{ flags: 0, id: 7, value: 1 << 20 }] });
    client.send({ type: 'ping', id: 1 });
    assert.deepEqual(await client.next(), { type: 'ping', id: 1, headers: undefined });

    await client.open(1, headers({ streamtype: ['echo'] }));
    const reply = await client.next();
    assert.deepEqual([reply.type, reply.headers], ['syn_reply', new Map()]);
    const big = Buffer.alloc(40_000, 7);
    client.send({ type: 'data', streamId: 1, fin: false, data: big });
    const answers: Frame[] = [await client.next(), await client.next(), await client.next()];
    assert.deepEqual(answers.filter((f) => f.type === 'window_update').map((f) => f.type === 'window_update' && [f.streamId, f.delta]), [[1, 40_000], [0, 40_000]]);
    const echoed = answers.find((f) => f.type === 'data');
    assert.ok(echoed?.type === 'data' && echoed.data.equals(big));

    client.send({ type: 'data', streamId: 1, fin: true, data: Buffer.alloc(0) });
    assert.deepEqual(await client.next(), { type: 'data', streamId: 1, fin: true, data: Buffer.alloc(0), headers: undefined });
    // data on a finished stream, a refused stream
    client.send({ type: 'data', streamId: 1, fin: false, data: Buffer.from('late') });
    assert.deepEqual(await client.next(), { type: 'rst_stream', streamId: 1, status: RST.INVALID_STREAM, headers: undefined });
    await client.open(3, headers({ streamtype: ['refuse'] }));
    assert.deepEqual(await client.next(), { type: 'rst_stream', streamId: 3, status: RST.REFUSED_STREAM, headers: undefined });

    const closed = new Promise<void>((res) => session.onClose(res));
    session.close();
    assert.deepEqual(await client.next(), { type: 'goaway', lastGoodStreamId: 3, status: GOAWAY.OK, headers: undefined });
    client.socket.end();
    await closed;
    assert.deepEqual(seen, ['echo', 'refuse']);
  } finally {
    done();
  }
});

test('a session: a stream id that goes backwards is a protocol error (GOAWAY), and the open streams end', async () => {
  const { session, client, done } = await sessionPair();
  try {
    const ended: (Buffer | null)[] = [];
    session.onStream((s) => {
      s.reply();
      s.listen((d) => ended.push(d));
    });
    await client.open(5, headers({ streamtype: ['a'] }));
    assert.equal((await client.next()).type, 'syn_reply');
    const closed = new Promise<void>((res) => session.onClose(res));
    await client.open(3, headers({ streamtype: ['b'] }));
    assert.deepEqual(await client.next(), { type: 'goaway', lastGoodStreamId: 5, status: GOAWAY.PROTOCOL_ERROR, headers: undefined });
    await closed;
    assert.deepEqual(ended, [null]);
  } finally {
    done();
  }
});
