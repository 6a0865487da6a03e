// RuntimeService.Status: RuntimeReady when the engine answers. NetworkReady:
// with a CNI config in the conf dir, when it parses (else false with the parse
// error, as containerd reports a config it cannot load); without one, when the
// engine's default bridge network (then the pods' network) exists.
import { loadPodNetworkConf } from './pod-network-conf.js';
import type { CriContext, Rpc } from './types.js';

interface Condition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Why the pods' network is not ready, or undefined when it is. */
async function networkNotReady(ctx: CriContext): Promise<string | undefined> {
  try {
    const conf = ctx.network ? await loadPodNetworkConf(ctx.network.confDir) : { kind: 'none' as const };
    if (conf.kind === 'invalid') return `cni config load failed: ${conf.error}`;
    if (conf.kind === 'none') await ctx.engine.networks.inspect('bridge');
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

export const status: Rpc<{ verbose: boolean }, { status: { conditions: Condition[] }; info: Record<string, string> }> = async (ctx) => {
  const runtime: Condition = { type: 'RuntimeReady', status: true, reason: '', message: '' };
  const network: Condition = { type: 'NetworkReady', status: true, reason: '', message: '' };
  try {
    await ctx.engine.system.ping();
  } catch (err) {
    Object.assign(runtime, { status: false, reason: 'EngineNotReady', message: errorMessage(err) });
  }
  const why = await networkNotReady(ctx);
  if (why) Object.assign(network, { status: false, reason: 'NetworkPluginNotReady', message: why });
  return { status: { conditions: [runtime, network] }, info: {} };
};
