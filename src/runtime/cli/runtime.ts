// The one place the CLI opens the runtime library (dynamically imported so
// that spec, features and --version never pay for loading it).
import type { Runtime, RuntimeOptions } from '../api.js';
import type { GlobalOptions } from './context.js';
import type { Logger } from './log.js';

export async function openCliRuntime(globals: GlobalOptions, logger: Logger): Promise<Runtime> {
  const { openRuntime } = await import('../index.js');
  const log: RuntimeOptions['log'] = (level, msg) => logger.log(level, msg);
  return openRuntime({ root: globals.root, systemdCgroup: globals.systemdCgroup, log });
}
