// SPDY/3.1 frames (draft-mbelshe-httpbis-spdy-00 and the 3.1 changes): an
// 8-byte header, then the payload. Control frames start with a set high bit,
// the version (3) and the type; data frames with the stream id. The header
// blocks inside SYN_STREAM, SYN_REPLY and HEADERS stay compressed here: their
// zlib contexts belong to the connection (see header-block.ts).

const VERSION = 3;

const FLAG_FIN = 0x01;
const FLAG_UNIDIRECTIONAL = 0x02;

const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_RST_STREAM = 3;
const TYPE_SETTINGS = 4;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const TYPE_HEADERS = 8;
const TYPE_WINDOW_UPDATE = 9;

/** RST_STREAM status codes. */
export const RST = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
} as const;

/** GOAWAY status codes. */
export const GOAWAY = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** The 24-bit length field's limit. */
const MAX_PAYLOAD = 0xffffff;

const STREAM_ID_MASK = 0x7fffffff;

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'window_update'; streamId: number; delta: number }
  /** A control type this endpoint does not know: the spec says to ignore it. */
  | { type: 'unknown'; controlType: number };

/** A malformed frame: the session answers it with a GOAWAY. */
export class SpdyProtocolError extends Error {}

export function encodeFrame(f: Frame): Buffer {
  switch (f.type) {
    case 'data': {
      if (f.data.length > MAX_PAYLOAD) throw new RangeError(`DATA payload of ${f.data.length} bytes exceeds ${MAX_PAYLOAD}`);
      const header = Buffer.alloc(8);
      header.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      header.writeUInt32BE(((f.fin ? FLAG_FIN : 0) << 24) | f.data.length, 4);
      return Buffer.concat([header, f.data]);
    }
    case 'syn_stream': {
      const p = Buffer.alloc(10);
      p.writeUInt32BE(f.streamId & STREAM_ID_MASK, 0);
      p.writeUInt32BE(f.associatedId & STREAM_ID_MASK, 4);
      p[8] = (f.priority & 0x07) << 5;
      return control(TYPE_SYN_STREAM, (f.fin ? FLAG_FIN : 0) | (f.unidirectional ? FLAG_UNIDIRECTIONAL : 0), Buffer.concat([p, f.headerBlock]));
    }
    case 'syn_reply':
    case 'headers':
      return control(f.type === 'syn_reply' ? TYPE_SYN_REPLY : TYPE_HEADERS, f.fin ? FLAG_FIN : 0, Buffer.concat([u32(f.streamId & STREAM_ID_MASK), f.headerBlock]));
    case 'rst_stream':
      return control(TYPE_RST_STREAM, 0, Buffer.concat([u32(f.streamId & STREAM_ID_MASK), u32(f.status)]));
    case 'settings': {
      const p = Buffer.alloc(4 + 8 * f.entries.length);
      p.writeUInt32BE(f.entries.length, 0);
      f.entries.forEach((e, i) => {
        p.writeUInt32BE((((e.flags & 0xff) << 24) | (e.id & 0xffffff)) >>> 0, 4 + 8 * i);
        p.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
      });
      return control(TYPE_SETTINGS, 0, p);
    }
    case 'ping':
      return control(TYPE_PING, 0, u32(f.id));
    case 'goaway':
      return control(TYPE_GOAWAY, 0, Buffer.concat([u32(f.lastGoodStreamId & STREAM_ID_MASK), u32(f.status)]));
    case 'window_update':
      return control(TYPE_WINDOW_UPDATE, 0, Buffer.concat([u32(f.streamId & STREAM_ID_MASK), u32(f.delta & STREAM_ID_MASK)]));
    case 'unknown':
      return control(f.controlType, 0, Buffer.alloc(0));
  }
}

/** The first frame in buf and its size on the wire; undefined until it is complete. */
export function decodeFrame(buf: Buffer): { frame: Frame; size: number } | undefined {
  if (buf.length < 8) return undefined;
  const length = buf.readUInt32BE(4) & 0xffffff;
  const flags = buf[4]!;
  if (buf.length < 8 + length) return undefined;
  const p = buf.subarray(8, 8 + length);
  const size = 8 + length;
  if ((buf[0]! & 0x80) === 0) {
    return { frame: { type: 'data', streamId: buf.readUInt32BE(0) & STREAM_ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: Buffer.from(p) }, size };
  }
  const version = buf.readUInt16BE(0) & 0x7fff;
  if (version !== VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = buf.readUInt16BE(2);
  const need = (n: number, exact = true) => {
    if (exact ? p.length !== n : p.length < n) throw new SpdyProtocolError(`control frame type ${type} with a ${p.length}-byte payload`);
  };
  const fin = (flags & FLAG_FIN) !== 0;
  const id = (at: number) => p.readUInt32BE(at) & STREAM_ID_MASK;
  let frame: Frame;
  switch (type) {
    case TYPE_SYN_STREAM:
      need(10, false);
      frame = { type: 'syn_stream', streamId: id(0), associatedId: id(4), priority: p[8]! >> 5, fin, unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0, headerBlock: Buffer.from(p.subarray(10)) };
      break;
    case TYPE_SYN_REPLY:
    case TYPE_HEADERS:
      need(4, false);
      frame = { type: type === TYPE_SYN_REPLY ? 'syn_reply' : 'headers', streamId: id(0), fin, headerBlock: Buffer.from(p.subarray(4)) };
      break;
    case TYPE_RST_STREAM:
      need(8);
      frame = { type: 'rst_stream', streamId: id(0), status: p.readUInt32BE(4) };
      break;
    case TYPE_SETTINGS: {
      need(4, false);
      const count = p.readUInt32BE(0);
      need(4 + 8 * count);
      const entries = [];
      for (let i = 0; i < count; i++) entries.push({ flags: p[4 + 8 * i]!, id: p.readUInt32BE(4 + 8 * i) & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      frame = { type: 'settings', entries };
      break;
    }
    case TYPE_PING:
      need(4);
      frame = { type: 'ping', id: p.readUInt32BE(0) };
      break;
    case TYPE_GOAWAY:
      need(8);
      frame = { type: 'goaway', lastGoodStreamId: id(0), status: p.readUInt32BE(4) };
      break;
    case TYPE_WINDOW_UPDATE:
      need(8);
      frame = { type: 'window_update', streamId: id(0), delta: id(4) };
      break;
    default:
      frame = { type: 'unknown', controlType: type };
  }
  return { frame, size };
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`control frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE((((flags & 0xff) << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([header, payload]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
