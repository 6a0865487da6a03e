import type { Command } from '../command.js';
import { openEngine } from '../engine-client.js';

export const command: Command = {
  spec: { name: 'port', usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]', description: 'List port mappings or a specific mapping for the container', minArgs: 1, maxArgs: 2, flags: [] },
  async run(ctx, { args }) {
    const engine = await openEngine(ctx);
    const rec = await engine.containers.inspect(args[0]!);
    const ports = rec.NetworkSettings.Ports ?? {};
    const want = args[1] ? (args[1].includes('/') ? args[1] : `${args[1]}/tcp`) : undefined;
    if (want && !ports[want]?.length) {
      ctx.stderr.write(`Error: No public port '${want}' published for ${args[0]}\n`);
      return 1;
    }
    for (const [port, bindings] of Object.entries(ports)) {
      if (want && port !== want) continue;
      for (const b of bindings ?? []) ctx.stdout.write(want ? `${b.HostIp || '0.0.0.0'}:${b.HostPort}\n` : `${port} -> ${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`);
    }
    return 0;
  },
};
