// `gantry system service`: the Docker Engine API daemon (like `podman system
// service`): one in-process engine over --root/--runroot behind the API, on
// <runroot>/gantry.sock unless --host names another address. Runs until
// SIGTERM or SIGINT, then closes the listener and exits 0.
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
      { name: 'time', short: 't', type: 'int', description: 'Accepted for podman compatibility; the service never times out', hidden: true },
    ],
  },
  async run(ctx, { flags }) {
    const [{ openLocalEngine }, { createDockerApiServer }, { listenOn, parseListenAddress }] = await Promise.all([
      import('../../engine/local/index.js'),
      import('../../api/docker/server.js'),
      import('../../api/docker/listen.js'),
    ]);
    const host = flags.host ? String(flags.host) : `unix://${join(ctx.globals.runroot, 'gantry.sock')}`;
    const address = parseListenAddress(host);
    const engine = await openLocalEngine({ root: ctx.globals.root, runroot: ctx.globals.runroot });
    const api = createDockerApiServer({
      engine,
      logError: (err, req) => ctx.stderr.write(`gantry service: ${req.method} ${req.url}: ${err instanceof Error ? (ctx.globals.debug ? err.stack : err.message) : String(err)}\n`),
    });
    await listenOn(api.server, address);
    const { stat, unlink } = await import('node:fs/promises');
    const socketIno = address.kind === 'unix' ? (await stat(address.path)).ino : undefined;
    if (ctx.globals.debug) ctx.stderr.write(`gantry service: listening on ${host}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await api.close();
    await engine.close();
    // Whatever a cut-short stream left behind (a watcher, a timer) must not keep a stopped service alive.
    setTimeout(() => process.exit(0), 2_000).unref();
    // The socket goes with the service, unless a newer service has replaced it meanwhile.
    if (address.kind === 'unix' && (await stat(address.path).catch(() => undefined))?.ino === socketIno) {
      await unlink(address.path).catch(() => undefined);
    }
    return 0;
  },
};
