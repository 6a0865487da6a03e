// `gantry logout [SERVER]`: forgets stored credentials (docker's config.json or its credential helper).
import { logoutRegistry, DOCKER_HUB_SERVER, convertToHostname } from '../../images/auth/credentials.js';
import type { Command } from '../command.js';

export const command: Command = {
  spec: {
    name: 'logout',
    usage: '[SERVER]',
    description: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
    maxArgs: 1,
    flags: [],
  },
  async run(ctx, { args }) {
    const server = args[0];
    const shown = !server || convertToHostname(server) === convertToHostname(DOCKER_HUB_SERVER) ? DOCKER_HUB_SERVER : convertToHostname(server);
    ctx.stdout.write(`Removing login credentials for ${shown}\n`);
    await logoutRegistry({ server });
  },
};
