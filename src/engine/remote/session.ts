// An IOSession over a hijacked connection (attach, exec start): output
// demultiplexed from stdcopy frames unless the process has a tty, stdin
// written to the socket, closeStdin as a half-close (docker's CloseWrite).
import type { IOSession } from '../api.js';
import type { Hijacked } from './transport.js';
import { StdcopyDecoder } from './stdcopy.js';

export function hijackedSession(conn: Hijacked, tty: boolean): IOSession {
  const listeners: ((stream: 1 | 2, data: Buffer) => void)[] = [];
  // Output that arrives before the caller subscribes is kept, not lost.
  const early: [1 | 2, Buffer][] = [];
  const deliver = (stream: 1 | 2, data: Buffer) => {
    if (listeners.length === 0) early.push([stream, data]);
    for (const fn of listeners) fn(stream, data);
  };
  const decoder = new StdcopyDecoder(deliver);
  let failure: unknown;
  const onData = (chunk: Buffer) => {
    if (tty) return deliver(1, chunk);
    try {
      decoder.push(chunk);
    } catch (err) {
      failure = err;
      conn.socket.destroy();
    }
  };
  const ended = new Promise<number | undefined>((resolve, reject) => {
    const finish = () => (failure ? reject(failure) : resolve(undefined));
    conn.output.once('end', finish);
    conn.output.once('close', finish);
    // A reset after the output is done (the daemon closing hard) is still an end.
    conn.output.once('error', () => finish());
  });
  // A caller that detaches never awaits ended: its failure must not become an unhandled rejection.
  ended.catch(() => undefined);
  if (conn.head.length) onData(conn.head);
  conn.output.on('data', onData);
  return {
    onOutput(fn) {
      listeners.push(fn);
      for (const [stream, data] of early.splice(0)) fn(stream, data);
    },
    ended,
    writeStdin(data) {
      if (!conn.socket.writableEnded && !conn.socket.destroyed) conn.socket.write(data);
    },
    closeStdin() {
      if (!conn.socket.writableEnded && !conn.socket.destroyed) conn.socket.end();
    },
    close() {
      conn.socket.destroy();
    },
  };
}
