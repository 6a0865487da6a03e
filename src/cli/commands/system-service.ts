// `gantry system service`: the Docker Engine API daemon (like `podman system
// service`): one in-process engine over --root/--runroot behind the API, on
// <runroot>/gantry.sock unless --host names another address. With --cri the
// same engine also serves the Kubernetes CRI v1 gRPC API on that unix socket
// (then the Docker API only when --host is given too). Runs until SIGTERM or
// SIGINT, then closes the listeners and exits 0.
import { join } from 'node:path';
import type { Command } from '../command.js';

export const command: Command = {
  spec: {
    name: 'system service',
    usage: '[OPTIONS]',
    description: 'Run the Docker Engine API service',
    maxArgs: 0,
    flags: [
      { name: 'host', short: 'H', type: 'string', description: 'Address to listen on: unix:///path or tcp://host:port (default unix://<runroot>/gantry.sock)' },
      { name: 'cri', type: 'string', description: 'Also serve the Kubernetes CRI v1 API on this address: unix:///path (alone: only the CRI)' },
      { name: 'pause-image', type: 'string', description: 'Image of the CRI pod sandboxes (default registry.k8s.io/pause:3.9)' },
      { name: 'cni-conf-dir', type: 'string', description: 'CNI network config of the CRI pods (default /etc/cni/net.d; none there: the engine\'s bridge)' },
      { name: 'cni-bin-dir', type: 'string', description: 'CNI plugin directories, colon-separated (default /usr/lib/cni)' },
      { name: 'add-runtime', type: 'list', description: 'Register an additional OCI runtime (name=path)' },
      { name: 'time', short: 't', type: 'int', description: 'Accepted for podman compatibility; the service never times out', hidden: true },
    ],
  },
  async run(ctx, { flags }) {
    const criAddress = flags.cri ? String(flags.cri) : undefined;
    const serveDocker = flags.host !== undefined || criAddress === undefined;
    const { openLocalEngine } = await import('../../engine/local/index.js');
    const { parseRuntimeEntries } = await import('../../engine/runtimes/index.js');
    const runtimes = parseRuntimeEntries((flags['add-runtime'] as string[] | undefined) ?? []);
    const engine = await openLocalEngine({ root: ctx.globals.root, runroot: ctx.globals.runroot, runtimes, registryConfigDir: ctx.globals.registryConfigDir });
    const docker = serveDocker ? await startDockerApi(ctx, engine, flags.host ? String(flags.host) : `unix://${join(ctx.globals.runroot, 'gantry.sock')}`) : undefined;
    let cri: import('../../api/cri/server.js').CriServer | undefined;
    if (criAddress) {
      const { createCriServer } = await import('../../api/cri/server.js');
      cri = createCriServer({
        engine,
        ...(flags['pause-image'] ? { pauseImage: String(flags['pause-image']) } : {}),
        ...(flags['cni-conf-dir'] ? { cniConfDir: String(flags['cni-conf-dir']) } : {}),
        ...(flags['cni-bin-dir'] ? { cniBinDirs: String(flags['cni-bin-dir']).split(':').filter(Boolean) } : {}),
        logError: (err, method) => ctx.stderr.write(`gantry service: CRI ${method}: ${err instanceof Error ? (ctx.globals.debug ? err.stack : err.message) : String(err)}\n`),
      });
      await cri.listen(criAddress);
      if (ctx.globals.debug) ctx.stderr.write(`gantry service: CRI listening on ${criAddress}\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await docker?.close();
    await cri?.close();
    await engine.close();
    // Whatever a cut-short stream left behind (a watcher, a timer) must not keep a stopped service alive.
    setTimeout(() => process.exit(0), 2_000).unref();
    return 0;
  },
};

/** The Docker Engine API on host; close() also removes its unix socket unless a newer service replaced it. */
async function startDockerApi(ctx: Parameters<Command['run']>[0], engine: import('../../engine/api.js').Engine, host: string): Promise<{ close(): Promise<void> }> {
  const [{ createDockerApiServer }, { listenOn, parseListenAddress }, { stat, unlink }] = await Promise.all([
    import('../../api/docker/server.js'),
    import('../../api/docker/listen.js'),
    import('node:fs/promises'),
  ]);
  const address = parseListenAddress(host);
  const api = createDockerApiServer({
    engine,
    logError: (err, req) => ctx.stderr.write(`gantry service: ${req.method} ${req.url}: ${err instanceof Error ? (ctx.globals.debug ? err.stack : err.message) : String(err)}\n`),
  });
  await listenOn(api.server, address);
  const socketIno = address.kind === 'unix' ? (await stat(address.path)).ino : undefined;
  if (ctx.globals.debug) ctx.stderr.write(`gantry service: listening on ${host}\n`);
  return {
    async close() {
      await api.close();
      if (address.kind === 'unix' && (await stat(address.path).catch(() => undefined))?.ino === socketIno) {
        await unlink(address.path).catch(() => undefined);
      }
    },
  };
}
