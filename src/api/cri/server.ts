// The CRI v1 gRPC server: runtime.v1 RuntimeService and ImageService over the
// Engine interface, one module per RPC, served on a unix socket for the kubelet
// or crictl. GantryErrors map to their gRPC status (errdefs.grpcStatus).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:net';
import grpc from '@grpc/grpc-js';
import type { Engine } from '../../engine/api.js';
import { GantryError, grpcStatus } from '../../errdefs/index.js';
import { GrpcStatusError } from './grpc-error.js';
import { loadCriServices } from './proto.js';
import type { CriContext, Rpc } from './types.js';
import { containerStats, listContainerStats } from './container-stats.js';
import { containerStatus } from './container-status.js';
import { createContainer } from './create-container.js';
import { execSync } from './exec-sync.js';
import { exec } from './exec.js';
import { attach } from './attach.js';
import { portForward } from './port-forward.js';
import { createStreamingServer, type StreamingServer, type StreamingServerOptions } from './streaming/server.js';
import { streamContainerEvents } from './get-container-events.js';
import { imageFsInfo } from './image-fs-info.js';
import { imageStatus } from './image-status.js';
import { listContainers } from './list-containers.js';
import { listImages } from './list-images.js';
import { listPodSandbox } from './list-pod-sandbox.js';
import { DEFAULT_CNI_BIN_DIRS, DEFAULT_CNI_CONF_DIR } from './pod-network-conf.js';
import { podSandboxStatus } from './pod-sandbox-status.js';
import { listPodSandboxStats, podSandboxStats } from './pod-sandbox-stats.js';
import { pullImage } from './pull-image.js';
import { removeContainer } from './remove-container.js';
import { removeImage } from './remove-image.js';
import { runtimeConfig } from './runtime-config.js';
import { removePodSandbox } from './remove-pod-sandbox.js';
import { reopenContainerLog } from './reopen-container-log.js';
import { runPodSandbox } from './run-pod-sandbox.js';
import { startContainer } from './start-container.js';
import { status } from './status.js';
import { stopContainer } from './stop-container.js';
import { stopPodSandbox } from './stop-pod-sandbox.js';
import { updateContainerResources } from './update-container-resources.js';
import { version } from './version.js';

export const DEFAULT_PAUSE_IMAGE = 'registry.k8s.io/pause:3.9';

const UNKNOWN = 2;

export interface CriServerOptions {
  engine: Engine;
  pauseImage?: string;
  /** The CNI network config of the pods (default /etc/cni/net.d); without one they go on the engine's bridge. */
  cniConfDir?: string;
  /** Where the CNI plugins are, searched in order (default /usr/lib/cni). */
  cniBinDirs?: string[];
  /** Where the streaming server listens (default 127.0.0.1, a free port). */
  streaming?: StreamingServerOptions;
  logError?: (err: unknown, method: string) => void;
}

export interface CriServer {
  /** Listens on unix:///path (a stale socket there is replaced). */
  listen(address: string): Promise<void>;
  close(): Promise<void>;
}

/** Each RPC's request type is its own; the table only needs to call them with the decoded message. */
type AnyRpc = Rpc<never, object>;

const RUNTIME_RPCS: Record<string, AnyRpc> = {
  Version: version,
  Status: status,
  RuntimeConfig: runtimeConfig,
  RunPodSandbox: runPodSandbox,
  StopPodSandbox: stopPodSandbox,
  RemovePodSandbox: removePodSandbox,
  PodSandboxStatus: podSandboxStatus,
  ListPodSandbox: listPodSandbox,
  CreateContainer: createContainer,
  StartContainer: startContainer,
  StopContainer: stopContainer,
  RemoveContainer: removeContainer,
  ListContainers: listContainers,
  ContainerStatus: containerStatus,
  UpdateContainerResources: updateContainerResources,
  ReopenContainerLog: reopenContainerLog,
  ExecSync: execSync,
  Exec: exec,
  Attach: attach,
  PortForward: portForward,
  ContainerStats: containerStats,
  ListContainerStats: listContainerStats,
  PodSandboxStats: podSandboxStats,
  ListPodSandboxStats: listPodSandboxStats,
};

const IMAGE_RPCS: Record<string, AnyRpc> = {
  PullImage: pullImage,
  ListImages: listImages,
  ImageStatus: imageStatus,
  RemoveImage: removeImage,
  ImageFsInfo: imageFsInfo,
};

function statusOf(err: unknown): number {
  if (err instanceof GrpcStatusError) return err.code;
  if (err instanceof GantryError) return grpcStatus(err);
  return UNKNOWN;
}

/** A live server behind the socket file (else it is a stale one a dead service left). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

export function createCriServer(opts: CriServerOptions): CriServer {
  let streaming: Promise<StreamingServer> | undefined;
  const ctx: CriContext = {
    engine: opts.engine,
    pauseImage: opts.pauseImage ?? DEFAULT_PAUSE_IMAGE,
    streaming: () => (streaming ??= createStreamingServer(opts.engine, opts.streaming)),
  };
  const loc = opts.engine.location;
  if (loc.kind === 'local') {
    ctx.network = {
      confDir: opts.cniConfDir ?? DEFAULT_CNI_CONF_DIR,
      binDirs: opts.cniBinDirs ?? DEFAULT_CNI_BIN_DIRS,
      cacheDir: join(loc.root, 'cri', 'cni-results'),
      netnsDir: join(loc.runroot, 'cri', 'netns'),
    };
  }
  const services = loadCriServices();
  const server = new grpc.Server();
  const handlers = (rpcs: Record<string, AnyRpc>): grpc.UntypedServiceImplementation => {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, rpc] of Object.entries(rpcs)) {
      impl[method] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        rpc(ctx, call.request as never).then(
          (res) => callback(null, res),
          (err: unknown) => {
            const code = statusOf(err);
            if (code === UNKNOWN || code === 13) opts.logError?.(err, method);
            callback({ code, details: err instanceof Error ? err.message : String(err) });
          },
        );
      };
    }
    return impl;
  };
  const runtime = handlers(RUNTIME_RPCS);
  runtime['GetContainerEvents'] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    streamContainerEvents(ctx, (e) => call.write(e), abort.signal).then(
      () => call.end(),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        opts.logError?.(err, 'GetContainerEvents');
        call.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
  server.addService(services.RuntimeService.service, runtime);
  server.addService(services.ImageService.service, handlers(IMAGE_RPCS));
  let socketPath: string | undefined;
  return {
    async listen(address) {
      if (!address.startsWith('unix://')) throw new GantryError('invalid-argument', `CRI listen address must be unix:///path: ${address}`);
      const path = address.slice('unix://'.length);
      if (await socketAnswers(path)) throw new GantryError('conflict', `${address} is in use by another service`);
      await rm(path, { force: true });
      socketPath = path;
      await new Promise<void>((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    },
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      if (streaming) await (await streaming).close();
      if (socketPath) await rm(socketPath, { force: true });
    },
  };
}
