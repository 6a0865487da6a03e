// A pre-warmed `gantry` process: Node started and the CLI bundle loaded before
// any command asks, so a command served here skips Node's start-up and module
// loading (~50 ms of the ~170 ms of `gantry run --rm busybox true`).
// It serves exactly one command and exits, like any `gantry` process: nothing
// lives on between commands, so daemonless semantics hold. Taking a command, it
// first starts its successor and hands it the listening socket and the lock, so
// callers arriving meanwhile queue on the socket instead of starting Node.
// The front end (native/gantry-front) finds a worker by a socket whose name
// hashes everything a command inherits from its caller besides what the request
// carries (credentials, namespaces, cgroup, limits, the build), so a worker only
// serves callers it is indistinguishable from.
// Started as: node prewarm-worker.cjs DIR KEY [SOCKET_INODE]
//   (socket DIR/KEY.sock, lock DIR/KEY.lock; with SOCKET_INODE, a predecessor
//   passed the listening socket as fd 3 and the locked lock file as fd 4)
import { appendFileSync, closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadBundle, type LoadedBundle } from '../../sys/code-cache-launch.js';
import { nativeBinary } from '../../sys/install-paths.js';
import { commandName } from '../command-name.js';
import { ACK, EXIT, WORKER_FLAG, decodeRequest, type PrewarmRequest } from './protocol.js';

interface PrewarmAddon {
  claim(lockPath: string): number;
  listen(socketPath: string): number;
  accept(listenFd: number, timeoutMs: number): { conn: number; fds: number[]; body: Buffer } | null;
  dup2(from: number, to: number): void;
  spawnDetached(file: string, args: string[], fds: number[]): number;
  setCloexec(fd: number): void;
  followFrontEnd(conn: number): void;
  releaseFrontEnd(): void;
}

interface CliBundle {
  runAsProcess(args: string[]): Promise<void>;
  warmUp(): Promise<void>;
}

/** How long a worker waits for a command before it exits. */
const IDLE_MS = 10 * 60_000;
/** How often a waiting worker checks that its socket is still its own. */
const CHECK_MS = 5_000;

const script = process.argv[1]!;
const [dir, key, inheritedIno] = process.argv.slice(2);
if (!dir || !key) throw new Error('usage: prewarm-worker DIR KEY [SOCKET_INODE]');
const socketPath = join(dir, `${key}.sock`);
const lockPath = join(dir, `${key}.lock`);
const addon = createRequire(script)(nativeBinary('prewarm.node')) as PrewarmAddon;

if (inheritedIno) [3, 4].forEach((fd) => addon.setCloexec(fd));
const lockFd = inheritedIno ? 4 : addon.claim(lockPath);
if (lockFd < 0) process.exit(0); // another worker has this key
const listenFd = inheritedIno ? 3 : addon.listen(socketPath);
const socketIno = inheritedIno ? Number(inheritedIno) : statSync(socketPath).ino;

const ownsSocket = () => statSync(socketPath, { throwIfNoEntry: false })?.ino === socketIno;

/** Idle: the socket and lock file go (callers then start Node themselves, and a new worker). */
function retire(): void {
  closeSync(listenFd);
  if (ownsSocket()) unlinkSync(socketPath);
  if (statSync(lockPath, { throwIfNoEntry: false })?.ino === fstatSync(lockFd).ino) unlinkSync(lockPath);
  closeSync(lockFd);
}

/** A worker sharing this one's socket and lock. */
const startPeer = () => addon.spawnDetached(process.execPath, [...process.execArgv, script, dir!, key!, String(socketIno)], [listenFd, lockFd]);

// Workers waiting on the socket together: a caller arriving while the successor
// of the last one boots (~50 ms) finds another ready. The first worker of a key
// fills the pool; every worker taking a command starts one successor.
const POOL = 2;
if (!inheritedIno) for (let i = 1; i < POOL; i++) startPeer();

/** Busy: a successor takes this worker's place on the socket. */
function handOver(): void {
  startPeer();
  closeSync(listenFd);
  closeSync(lockFd);
}

function adopt(req: { conn: number; fds: number[] }, r: PrewarmRequest): void {
  try {
    process.chdir(r.cwd);
  } catch {
    process.exit(0); // gone meanwhile: without an acknowledgement the front end runs the command itself
  }
  req.fds.forEach((fd, i) => {
    addon.dup2(fd, i);
    closeSync(fd);
  });
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, r.env);
  process.umask(r.umask);
  process.argv = [process.execPath, join(dirname(script), 'gantry.cjs'), ...r.args];
}

/**
 * Sends the exit code; the front end exits with it (and the shell may print its
 * prompt), so it goes after the command's own exit handlers, such as the one
 * that restores the terminal: from a handler registered once the command's work
 * is done, or, when the command exits before that, from the first one.
 */
function reportExit(conn: number, done: Promise<void>): void {
  let sent = false;
  const send = (code: number) => {
    if (sent) return;
    sent = true;
    addon.releaseFrontEnd();
    try {
      writeSync(conn, Buffer.from([EXIT, code & 0xff]));
    } catch {
      // the front end is gone
    }
  };
  let late = false;
  process.on('exit', (code) => {
    if (!late) send(code);
  });
  void done.then(() => {
    late = true;
    process.on('exit', send);
  });
}

/**
 * The workers' code cache grows to cover every verb served: after a verb it has
 * not seen, a worker stores what it compiled, so later workers run that verb's
 * functions without compiling them first. Called once the command's work is
 * done: the store runs after every other exit handler (the exit code has gone to
 * the front end, terminal modes are restored), with the caller's stdio released.
 */
function coverVerb(bundle: LoadedBundle, cacheFile: string, args: string[]): void {
  const verb = commandName(args);
  const covered = `${cacheFile}.verbs`;
  let seen: string[] = [];
  try {
    seen = readFileSync(covered, 'utf8').split('\n');
  } catch {
    // none yet
  }
  if (!verb || seen.includes(verb)) return;
  process.on('exit', () => {
    const devNull = openSync('/dev/null', 'r+');
    for (let fd = 0; fd < 3; fd++) addon.dup2(devNull, fd);
    bundle.storeCache(true);
    appendFileSync(covered, `${verb}\n`);
  });
}

async function main(): Promise<void> {
  (globalThis as Record<symbol, unknown>)[WORKER_FLAG] = true;
  const bundlePath = join(dirname(script), 'gantry.cjs');
  const bundle = loadBundle(bundlePath, 'prewarm');
  const cli = bundle.exports as CliBundle;
  await cli.warmUp();
  await access('/'); // starts libuv's thread pool
  bundle.storeCache();

  for (let idle = 0; ; idle += CHECK_MS) {
    const req = addon.accept(listenFd, CHECK_MS);
    if (!req) {
      if (idle >= IDLE_MS || !ownsSocket()) return retire();
      continue;
    }
    let request: PrewarmRequest;
    try {
      request = decodeRequest(req.body);
    } catch {
      [req.conn, ...req.fds].forEach((fd) => closeSync(fd));
      continue;
    }
    handOver();
    adopt(req, request);
    try {
      writeSync(req.conn, Buffer.from([ACK]));
    } catch {
      process.exit(0); // the front end gave up waiting and runs the command itself
    }
    addon.followFrontEnd(req.conn);
    const done = cli.runAsProcess(request.args);
    reportExit(req.conn, done);
    await done;
    coverVerb(bundle, `${bundlePath}.prewarm.v8cache`, request.args);
    return;
  }
}

main().catch((err: Error) => {
  // Before a command was adopted stdio is /dev/null: nobody would see this, but
  // the exit tells the front end (if one is connected) to run the command itself.
  process.stderr.write(`gantry prewarm worker: ${err.stack ?? String(err)}\n`);
  process.exit(1);
});
