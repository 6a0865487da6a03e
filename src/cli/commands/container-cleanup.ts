// Hidden: what a container's monitor execs when the container exits (record the
// exit, release its mount, apply --rm and the restart policy).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: { name: 'container-cleanup', usage: 'CONTAINER', description: 'Internal: run by the monitor when a container exits', minArgs: 1, maxArgs: 1, flags: [] },
  async run(ctx, { args }) {
    // A container removed meanwhile (rm -f, or its whole store deleted) has nothing
    // to record; opening the engine would make the store's directories again.
    if (!existsSync(join(ctx.globals.root, 'containers', args[0]!))) return;
    const engine = await openCliEngine(ctx);
    await engine.containers.handleExit(args[0]!);
  },
};
