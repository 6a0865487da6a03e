// The flags `gantry` takes before its command (shared by main and completion).
import type { CommandSpec } from './flags.js';

export const GLOBAL_SPEC: CommandSpec = {
  name: '',
  usage: '[OPTIONS] COMMAND',
  description: 'A self-sufficient runtime for containers',
  stopAtFirstArg: true,
  flags: [
    { name: 'root', type: 'string', description: 'Engine data directory (env GANTRY_ROOT)' },
    { name: 'runroot', type: 'string', description: 'Engine run directory (env GANTRY_RUNROOT)' },
    { name: 'registry-config-dir', type: 'string', description: 'Registry host config (<dir>/<registry>/hosts.toml mirrors) (env GANTRY_REGISTRY_CONFIG_DIR)' },
    { name: 'host', short: 'H', type: 'string', description: 'Daemon socket to connect to' },
    { name: 'debug', short: 'D', type: 'bool', description: 'Enable debug mode' },
    { name: 'log-level', short: 'l', type: 'string', description: 'Set the logging level' },
    { name: 'version', short: 'v', type: 'bool', description: 'Print version information and quit' },
    { name: 'help', type: 'bool', description: 'Print usage' },
  ],
};
