// RuntimeService.Version: the runtime's name and versions.
import type { Rpc } from './types.js';

export const CRI_API_VERSION = 'v1';

export const version: Rpc<{ version: string }, { version: string; runtime_name: string; runtime_version: string; runtime_api_version: string }> = async (ctx) => {
  const v = await ctx.engine.system.version();
  return { version: '0.1.0', runtime_name: 'gantry', runtime_version: v.Version, runtime_api_version: CRI_API_VERSION };
};
