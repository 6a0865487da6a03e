// What a container's monitor runs (bundled as dist/src/engine/monitor-hooks.cjs):
//   monitor-hooks <root> <runroot> exit <id>     the container exited: record the
//       exit, release its mount and runtime state, apply --rm or the restart policy
//   monitor-hooks <root> <runroot> health <id>   one healthcheck probe
// The engine's own entry, so the monitor names no CLI verb.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openEngineCore } from './index.js';
import { runHealthcheck } from './healthcheck.js';

export async function runMonitorHook(argv: string[]): Promise<void> {
  const [root, runroot, hook, id] = argv;
  if (!root || !runroot || !id || (hook !== 'exit' && hook !== 'health')) throw new Error('usage: monitor-hooks ROOT RUNROOT exit|health ID');
  // A container removed meanwhile (rm -f, or its whole store deleted) has nothing
  // to record; opening the engine would make the store's directories again.
  if (!existsSync(join(root, 'containers', id))) return;
  const core = await openEngineCore({ root, runroot });
  if (hook === 'exit') await core.containers.handleExit(id);
  else await runHealthcheck(core, id);
}

// Run as a script (the bundle, or the module under node), not when imported.
const self = process.argv[1] ?? '';
if (/monitor-hooks\.(c?js)$/.test(self)) {
  runMonitorHook(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`gantry monitor hook: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
