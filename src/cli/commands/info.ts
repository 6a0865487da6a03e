import { cpus, totalmem, release, hostname } from 'node:os';
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';
import { VERSION } from '../version-info.js';

export const command: Command = {
  spec: { name: 'info', usage: '[OPTIONS]', description: 'Display system-wide information', maxArgs: 0, flags: [{ name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' }] },
  async run(ctx, { flags }) {
    const engine = await openCliEngine(ctx);
    const recs = await Promise.all((await engine.store.list()).map((r) => engine.containers.view(r)));
    const images = engine.images as unknown as { list?: () => Promise<unknown[]> };
    const nImages = images.list ? (await images.list().catch(() => [])).length : 0;
    const info = {
      ID: '',
      Containers: recs.length,
      ContainersRunning: recs.filter((r) => r.State.Running && !r.State.Paused).length,
      ContainersPaused: recs.filter((r) => r.State.Paused).length,
      ContainersStopped: recs.filter((r) => !r.State.Running).length,
      Images: nImages,
      Driver: 'overlay',
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: '1',
      KernelVersion: release(),
      OperatingSystem: 'linux',
      OSType: 'linux',
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      NCPU: cpus().length,
      MemTotal: totalmem(),
      DockerRootDir: engine.root,
      Name: hostname(),
      ServerVersion: VERSION,
      DefaultRuntime: 'gantry',
      SecurityOptions: ['name=seccomp,profile=builtin'],
    };
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
        ` Default Runtime: ${info.DefaultRuntime}`,
        ' Security Options:',
        '  seccomp',
        '   Profile: builtin',
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
