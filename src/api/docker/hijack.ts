// Taking over a connection for attach and exec start, as dockerd hijacks it.
// With `Connection: Upgrade` + `Upgrade: tcp` node hands the server the bare
// socket (its 'upgrade' event) and the answer is 101 UPGRADED; without them
// (dockerode's and testcontainers' plain form) the answer is a 200 whose body
// is the raw stream, and the request body, if any, is the input.
import { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** The upgraded socket after a 101 UPGRADED written by hand (node's ServerResponse cannot send 101 with a body after it). */
export function hijackUpgraded(socket: Socket, head: Buffer, multiplexed: boolean): Duplex {
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.write(
    'HTTP/1.1 101 UPGRADED\r\n' +
      `Content-Type: ${multiplexed ? MULTIPLEXED_STREAM : RAW_STREAM}\r\n` +
      'Connection: Upgrade\r\n' +
      'Upgrade: tcp\r\n' +
      '\r\n',
  );
  if (head.length) socket.unshift(head);
  return socket;
}

/** A 200 response carrying the raw stream, with the request body as the input side. */
export function hijackPlain(req: IncomingMessage, res: ServerResponse, multiplexed: boolean): Duplex {
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  // No chunked framing: the body is the stream until the connection closes, as dockerd's is.
  res.useChunkedEncodingByDefault = false;
  res.shouldKeepAlive = false;
  res.writeHead(200, { 'Content-Type': multiplexed ? MULTIPLEXED_STREAM : RAW_STREAM });
  res.flushHeaders();
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      res.write(chunk, cb);
    },
    final(cb) {
      res.end(cb);
    },
    read() {
      req.resume();
    },
    destroy(err, cb) {
      res.destroy();
      cb(err);
    },
  });
  req.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) req.pause();
  });
  req.on('end', () => duplex.push(null));
  res.on('close', () => duplex.destroy());
  return duplex;
}
