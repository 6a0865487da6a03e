// `gantry info`: the engine's system-wide information in docker's layout.
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

/** docker's layout of "name=seccomp,profile=builtin": the name, then its other keys indented. */
function securityOptions(opts: string[]): string[] {
  return opts.flatMap((o) => {
    const kv = Object.fromEntries(o.split(',').map((p) => p.split('=') as [string, string]));
    const rest = Object.entries(kv).filter(([k]) => k !== 'name');
    return [`  ${kv.name ?? o}`, ...rest.map(([k, v]) => `   ${k[0]!.toUpperCase()}${k.slice(1)}: ${v}`)];
  });
}

export const command: Command = {
  spec: { name: 'info', usage: '[OPTIONS]', description: 'Display system-wide information', maxArgs: 0, flags: [{ name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }] },
  async run(ctx, { flags }) {
    const engine = await openEngine(ctx);
    const info = await engine.system.info().finally(() => engine.close());
    if (flags.format) {
      const { renderTemplate } = await import('../template.js');
      ctx.stdout.write(renderTemplate(flags.format === 'json' ? '{{json .}}' : String(flags.format), info) + '\n');
      return;
    }
    ctx.stdout.write(
      [
        'Server:',
        ` Containers: ${info.Containers}`,
        `  Running: ${info.ContainersRunning}`,
        `  Paused: ${info.ContainersPaused}`,
        `  Stopped: ${info.ContainersStopped}`,
        ` Images: ${info.Images}`,
        ` Server Version: ${info.ServerVersion}`,
        ` Storage Driver: ${info.Driver}`,
        ` Logging Driver: ${info.LoggingDriver}`,
        ` Cgroup Driver: ${info.CgroupDriver}`,
        ` Cgroup Version: ${info.CgroupVersion}`,
        ` Runtimes: ${Object.keys(info.Runtimes).join(' ')}`,
        ` Default Runtime: ${info.DefaultRuntime}`,
        ' Security Options:',
        ...securityOptions(info.SecurityOptions),
        ` Kernel Version: ${info.KernelVersion}`,
        ` Operating System: ${info.OperatingSystem}`,
        ` Architecture: ${info.Architecture}`,
        ` CPUs: ${info.NCPU}`,
        ` Total Memory: ${(info.MemTotal / 1024 ** 3).toFixed(2)}GiB`,
        ` Name: ${info.Name}`,
        ` Gantry Root Dir: ${info.DockerRootDir}`,
        '',
      ].join('\n'),
    );
  },
};
