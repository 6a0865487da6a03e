// The one place the CLI opens the runtime library (dynamically imported so
// that spec, features and --version never pay for loading it). The class
// itself rather than index.ts, which also re-exports the plan builders.
import type { Runtime, RuntimeOptions } from '../api.js';
import type { GlobalOptions } from './context.js';
import type { Logger } from './log.js';

export async function openCliRuntime(globals: GlobalOptions, logger: Logger): Promise<Runtime> {
  const { GantryRuntime } = await import('../container/runtime.js');
  const log: RuntimeOptions['log'] = (level, msg) => logger.log(level, msg);
  return new GantryRuntime({ root: globals.root, systemdCgroup: globals.systemdCgroup, log });
}
