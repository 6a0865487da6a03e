// `gantry network inspect`: docker's JSON (4-space indented array) or -f templates.
import type { Command } from '../command.js';
import { isNotFound } from '../../errdefs/index.js';
import type { NetworkInspect } from '../../engine/api.js';
import { openEngine } from '../engine-client.js';
import { formatInspect } from '../template.js';

export const command: Command = {
  spec: {
    name: 'network inspect',
    usage: '[OPTIONS] NETWORK [NETWORK...]',
    description: 'Display detailed information on one or more networks',
    minArgs: 1,
    flags: [
      { name: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' },
      { name: 'verbose', short: 'v', type: 'bool', description: 'Verbose output for diagnostics' },
    ],
  },
  async run(ctx, { flags, args }) {
    const engine = await openEngine(ctx);
    const found: NetworkInspect[] = [];
    const errors: string[] = [];
    for (const ref of args) {
      try {
        found.push(await engine.networks.inspect(ref, { verbose: flags.verbose === true }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        errors.push(`No such network: ${ref}`);
      }
    }
    await engine.close();
    ctx.stdout.write(formatInspect(flags.format as string | undefined, found));
    for (const e of errors) ctx.stderr.write(`Error: ${e}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};
