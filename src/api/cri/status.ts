// RuntimeService.Status: RuntimeReady when the engine answers, NetworkReady when
// its default bridge network (the pods' network) exists.
import type { Rpc } from './types.js';

interface Condition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export const status: Rpc<{ verbose: boolean }, { status: { conditions: Condition[] }; info: Record<string, string> }> = async (ctx) => {
  const runtime: Condition = { type: 'RuntimeReady', status: true, reason: '', message: '' };
  const network: Condition = { type: 'NetworkReady', status: true, reason: '', message: '' };
  try {
    await ctx.engine.system.ping();
  } catch (err) {
    Object.assign(runtime, { status: false, reason: 'EngineNotReady', message: err instanceof Error ? err.message : String(err) });
  }
  try {
    await ctx.engine.networks.inspect('bridge');
  } catch (err) {
    Object.assign(network, { status: false, reason: 'NetworkPluginNotReady', message: err instanceof Error ? err.message : String(err) });
  }
  return { status: { conditions: [runtime, network] }, info: {} };
};
