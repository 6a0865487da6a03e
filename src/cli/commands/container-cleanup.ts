// Hidden: what a container's monitor execs when the container exits (record the
// exit, release its mount, apply --rm and the restart policy).
import type { Command } from '../command.js';
import { openCliEngine } from './run.js';

export const command: Command = {
  spec: { name: 'container-cleanup', usage: 'CONTAINER', description: 'Internal: run by the monitor when a container exits', minArgs: 1, maxArgs: 1, flags: [] },
  async run(ctx, { args }) {
    const engine = await openCliEngine(ctx);
    await engine.containers.handleExit(args[0]!);
  },
};
