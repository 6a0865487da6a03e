// A CRI client for tests: gantry system service --cri on a temporary socket
// over temporary roots, and @grpc/grpc-js clients of its RuntimeService and
// ImageService loaded from the project's proto.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import grpc from '@grpc/grpc-js';
import { loadCriServices } from '../../../src/api/cri/proto.js';
import type { Gantry } from '../cli/gantry-harness.js';
import { busyboxRootfs } from '../../fixtures/image-builder.js';

const GANTRY = join(resolve(import.meta.dirname, '..', '..', '..', '..'), 'bin', 'gantry');

export interface CriService {
  call<T = any>(method: string, req?: object): Promise<T>;
  /** A server stream's messages as they come; cancel() ends it. */
  stream(method: string, req?: object): { messages: any[]; cancel(): void };
}

export interface CriHarness {
  runtime: CriService;
  image: CriService;
  socket: string;
  stderr(): string;
  stop(): Promise<void>;
}

export function criService(client: grpc.Client): CriService {
  return {
    call(method, req = {}) {
      return new Promise((res, rej) => {
        const fn = (client as unknown as Record<string, (r: object, cb: (err: grpc.ServiceError | null, v: any) => void) => void>)[method];
        if (!fn) return rej(new Error(`no RPC ${method}`));
        fn.call(client, req, (err, v) => (err ? rej(err) : res(v)));
      });
    },
    stream(method, req = {}) {
      const messages: any[] = [];
      const call = (client as unknown as Record<string, (r: object) => grpc.ClientReadableStream<any>>)[method]!.call(client, req);
      call.on('data', (m) => messages.push(m));
      call.on('error', () => undefined); // the cancel
      return { messages, cancel: () => call.cancel() };
    },
  };
}

/** Unless extraArgs name a --cni-conf-dir, an empty one: the host's /etc/cni/net.d must not decide the tests' pod networking. */
/** The pause image the server defaults to: busybox sleeping forever, imported into g's store. */
export async function importPauseImage(g: Gantry): Promise<void> {
  const tar = join(g.dir, 'pause.tar');
  execFileSync('tar', ['-C', await busyboxRootfs(), '-cf', tar, '.']);
  const r = await g.run(['import', '--change', 'CMD ["sleep","2147483647"]', tar, 'registry.k8s.io/pause:3.9']);
  if (r.code !== 0) throw new Error(`importing the pause image: ${r.stderr}`);
}

export async function startCri(g: Gantry, extraArgs: string[] = []): Promise<CriHarness> {
  const socket = join(g.dir, 'cri.sock');
  const cni = extraArgs.includes('--cni-conf-dir') ? [] : ['--cni-conf-dir', join(g.dir, 'no-cni-conf')];
  const child: ChildProcess = spawn(GANTRY, ['--root', g.root, '--runroot', g.runroot, 'system', 'service', '--cri', `unix://${socket}`, ...cni, ...extraArgs], {
    env: g.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; !existsSync(socket); i++) {
    if (child.exitCode !== null || i > 200) throw new Error(`CRI service did not start: ${stderr}`);
    await sleep(50);
  }
  const services = loadCriServices();
  const runtimeClient = new services.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  const imageClient = new services.ImageService(`unix://${socket}`, grpc.credentials.createInsecure());
  return {
    runtime: criService(runtimeClient),
    image: criService(imageClient),
    socket,
    stderr: () => stderr,
    async stop() {
      runtimeClient.close();
      imageClient.close();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
