// The engine a command talks to: a daemon when -H/--host, GANTRY_HOST or
// DOCKER_HOST names one (in that order), else the in-process engine over
// --root/--runroot. Every command works either way.
import type { CliContext } from './context.js';
import type { Engine } from '../engine/api.js';

export function engineHost(ctx: CliContext, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return ctx.globals.host || env.GANTRY_HOST || env.DOCKER_HOST || undefined;
}

export async function openEngine(ctx: CliContext): Promise<Engine> {
  const host = engineHost(ctx);
  if (host) {
    const { openRemoteEngine } = await import('../engine/remote/index.js');
    return openRemoteEngine(host);
  }
  const { openLocalEngine } = await import('../engine/local/index.js');
  return openLocalEngine({ root: ctx.globals.root, runroot: ctx.globals.runroot, registryConfigDir: ctx.globals.registryConfigDir });
}
