import { VERSION, API_VERSION, MIN_API_VERSION } from '../version-info.js';
import type { Command } from '../command.js';
import { arch, release } from 'node:os';

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
    // docker's version struct: a Client and a Server part ({{.Server.Version}} is the common query).
    const info = {
      Client: { Version: VERSION, ApiVersion: API_VERSION, NodeVersion: process.version, Os: 'linux', Arch: goArch },
      Server: { Version: VERSION, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch, KernelVersion: release() },
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
        ` Version:           ${VERSION}`,
        ` API version:       ${API_VERSION} (minimum version ${MIN_API_VERSION})`,
        ` Kernel version:    ${release()}`,
        '',
      ].join('\n'),
    );
  },
};
