// `gantry version`: this client's version and the engine's (docker's Client/Server layout).
import { VERSION, API_VERSION } from '../version-info.js';
import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';
import { arch } from 'node:os';

export const command: Command = {
  spec: {
    name: 'version',
    usage: '[OPTIONS]',
    description: 'Show the Gantry version information',
    maxArgs: 0,
    flags: [{ name: 'format', short: 'f', type: 'string', description: 'Format output using a JSON template' }],
  },
  async run(ctx, { flags }) {
    const goArch = arch() === 'x64' ? 'amd64' : arch();
    const engine = await openEngine(ctx);
    const server = await engine.system.version().finally(() => engine.close());
    // docker's version struct: a Client and a Server part ({{.Server.Version}} is the common query).
    const info = {
      Client: { Version: VERSION, ApiVersion: API_VERSION, NodeVersion: process.version, Os: 'linux', Arch: goArch },
      Server: server,
    };
    if (flags.format) {
      const { renderTemplate } = await import('../template.js');
      ctx.stdout.write(renderTemplate(flags.format === 'json' ? '{{json .}}' : String(flags.format), info) + '\n');
      return;
    }
    ctx.stdout.write(
      [
        'Client:',
        ` Version:           ${VERSION}`,
        ` API version:       ${API_VERSION}`,
        ` Node version:      ${process.version}`,
        ` OS/Arch:           linux/${goArch}`,
        '',
        'Engine:',
        ` Version:           ${server.Version}`,
        ` API version:       ${server.ApiVersion} (minimum version ${server.MinAPIVersion})`,
        ` OS/Arch:           ${server.Os}/${server.Arch}`,
        ` Kernel version:    ${server.KernelVersion}`,
        '',
      ].join('\n'),
    );
  },
};
